import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OrderStatus } from '../../domain/order-fields';
import {
  LOCAL,
  OTHER,
  byEventId,
  completeJson as send,
  client,
  eventsAfterQuietWindow,
  forRecord,
  getRaw,
  makeOrder,
  otherAuth,
  putRaw,
  readEvents,
  recordOf,
  seedOrders,
  timelineOf,
  uniqueHandle,
  waitForEvents,
  withoutInternals,
  type EventLine,
  type JsonObject,
  type RecordId,
} from './support/e2e';

/**
 * The success paths and the domain refusals over real HTTP: API Gateway (serverless offline) ->
 * Lambda -> DynamoDB Local -> local EventBridge -> the subscriber's events.jsonl.
 */

const samples = JSON.parse(
  readFileSync(resolve(__dirname, '..', '..', 'seed', 'sample-orders.json'), 'utf8'),
) as JsonObject[];
const sample = (account: string, handle: string, fulfillmentAttempt = 0): JsonObject => {
  const found = samples.find(
    (order) =>
      order.account_id === account && order.order_handle === handle && order.fulfillment_attempt === fulfillmentAttempt,
  );
  if (found === undefined) throw new Error(`seed/sample-orders.json has no ${account}/${handle}/${fulfillmentAttempt}`);
  return found;
};

const EVENT_ID = /^[0-9a-f]{32}$/;

describe('200: the API page order (sample order-1)', () => {
  test('completes, answers the stored order without internals, publishes exactly one OrderCompleted; a repeat is idempotent', async () => {
    const stored = sample(LOCAL, 'order-1');
    const id = recordOf('order-1', { type: 'pick' });
    const first = await send('order-1');
    expect(first.status).toBe(200);
    const body = first.body;
    expect(body.order_handle).toBe('order-1');
    expect(body.type).toBe('pick');
    expect(body.status).toBe('completed');
    expect(typeof body.completed_at).toBe('string');
    const completedAt = String(body.completed_at);
    expect(new Date(completedAt).toISOString()).toBe(completedAt);
    expect(Math.abs(Date.now() - Date.parse(completedAt))).toBeLessThan(60_000);
    for (const internal of ['pk', 'sk', 'account_id', 'pending_event']) expect(body).not.toHaveProperty(internal);

    // Every field of the API page order comes back as seeded (maps compared structurally: DynamoDB reorders keys).
    for (const [field, value] of Object.entries(stored)) {
      if (['account_id', 'status', 'timeline'].includes(field)) continue;
      expect({ field, value: body[field] }).toEqual({ field, value });
    }
    // The timeline keeps its history and gains order_completed last, recorded at completed_at.
    const storedTimeline = stored.timeline as JsonObject[];
    const timeline = timelineOf(body);
    expect(timeline.slice(0, -1)).toEqual(storedTimeline);
    expect(timeline.at(-1)).toEqual({
      type: 'order_completed',
      recorded_at: completedAt,
      order_handle: 'order-1',
      route_handle: stored.route_handle,
      order_type: 'pick',
      fulfillment_attempt: 0,
    });

    // The record holds what was answered, and the outbox marker is gone once the publish was confirmed.
    const raw = await getRaw(client, id);
    expect(raw).toBeDefined();
    expect(raw).not.toHaveProperty('pending_event');
    expect(withoutInternals(raw ?? {})).toEqual(body);

    const mine = forRecord(LOCAL, 'order-1');
    const events = await waitForEvents(mine);
    expect(events).toHaveLength(1);
    const event = events[0] as EventLine;
    expect(event.source).toBe('orders-complete');
    expect(event['detail-type']).toBe('OrderCompleted');
    expect(event.detail.event_id).toMatch(EVENT_ID);
    expect(event.detail).toEqual({
      version: '1',
      event_id: event.detail.event_id,
      account_id: LOCAL,
      order_handle: 'order-1',
      type: 'pick',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'completed',
      completed_at: completedAt,
      route_handle: stored.route_handle,
      worker_handle: stored.worker_handle,
      device_id: stored.device_id,
      metadata: stored.metadata,
      share_url: stored.share_url,
      destination: stored.destination,
    });
    expect(event.detail).not.toHaveProperty('polyline');
    expect(event.detail).not.toHaveProperty('timeline');

    // Idempotent repeat: the same order, nothing written, no second event.
    const repeat = await send('order-1');
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(body);
    expect(await getRaw(client, id)).toEqual(raw);
    expect(await eventsAfterQuietWindow(byEventId(event.detail.event_id))).toHaveLength(1);
    expect(readEvents().filter(mine)).toHaveLength(1);
  });

  test("other-account completes its own sample order-1; local-account's order-1 is not touched", async () => {
    const localId = recordOf('order-1', { type: 'pick' });
    const otherId = recordOf('order-1', { type: 'pick', account_id: OTHER });
    const localBefore = await getRaw(client, localId);
    expect(localBefore).toBeDefined();
    const localEventsBefore = readEvents().filter(forRecord(LOCAL, 'order-1')).length;

    const result = await send('order-1', { auth: otherAuth });
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
    expect(result.body.worker_handle).toBe(sample(OTHER, 'order-1').worker_handle);
    expect(result.body).not.toHaveProperty('account_id');
    expect((await getRaw(client, otherId))?.completed_at).toBe(result.body.completed_at);
    expect(await getRaw(client, localId)).toEqual(localBefore);

    const events = await waitForEvents(forRecord(OTHER, 'order-1'));
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.completed_at).toBe(result.body.completed_at);
    expect(readEvents().filter(forRecord(LOCAL, 'order-1'))).toHaveLength(localEventsBefore);
  });
});

describe('200: concurrency and every completable status', () => {
  test('8 concurrent completes of one order: all 200 with one completed_at, one write, exactly one event', async () => {
    const handle = uniqueHandle('concurrent');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const results = await Promise.all(Array.from({ length: 8 }, () => send(handle)));
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.status).toBe('completed');
    }
    const completedAts = new Set(results.map((result) => result.body.completed_at));
    expect(completedAts.size).toBe(1);
    const raw = await getRaw(client, recordOf(handle));
    expect(raw?.completed_at).toBe(results[0]?.body.completed_at);
    expect(timelineOf(raw ?? {}).filter((entry) => entry.type === 'order_completed')).toHaveLength(1);
    for (const result of results) expect(result.body).toEqual(withoutInternals(raw ?? {}));

    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.completed_at).toBe(results[0]?.body.completed_at);
    expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle))).toHaveLength(1);
  });

  test.each<OrderStatus>(['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'])(
    'a %s order completes and publishes',
    async (status) => {
      const handle = uniqueHandle(status);
      await seedOrders(client, [makeOrder({ order_handle: handle, status })]);
      const result = await send(handle);
      expect(result.status).toBe(200);
      expect(result.body.status).toBe('completed');
      expect((await getRaw(client, recordOf(handle)))?.status).toBe('completed');
      const events = await waitForEvents(forRecord(LOCAL, handle));
      expect(events).toHaveLength(1);
      expect(events[0]?.detail.completed_at).toBe(result.body.completed_at);
    },
  );

  test('an order stored without a timeline, or with a NULL timeline, gets one holding order_completed', async () => {
    const absent = uniqueHandle('no-timeline');
    const nulled = uniqueHandle('null-timeline');
    const { timeline: _dropped, ...withoutTimeline } = makeOrder({ order_handle: absent });
    await seedOrders(client, [withoutTimeline]);
    await putRaw(client, recordOf(nulled), { order_handle: nulled, status: 'assigned', timeline: null });
    for (const handle of [absent, nulled]) {
      const result = await send(handle);
      expect(result.status).toBe(200);
      expect(timelineOf(result.body)).toEqual([
        {
          type: 'order_completed',
          recorded_at: result.body.completed_at,
          order_handle: handle,
          route_handle: handle === absent ? 'route-e2e' : null,
          order_type: 'drop',
          fulfillment_attempt: 0,
        },
      ]);
      expect(timelineOf((await getRaw(client, recordOf(handle))) ?? {})).toEqual(timelineOf(result.body));
    }
  });
});

describe('200 without a transition: nothing written, nothing (new) published', () => {
  test('completed, summarizing, and completed with a publish in progress answer the stored order', async () => {
    const completed = uniqueHandle('already-completed');
    const summarizing = uniqueHandle('summarizing');
    const inFlight = uniqueHandle('in-flight');
    await seedOrders(client, [
      makeOrder({ order_handle: completed, status: 'completed', completed_at: '2024-01-02T03:04:05.678Z' }),
      makeOrder({ order_handle: summarizing, status: 'summarizing', completed_at: '2024-01-02T03:04:05.678Z' }),
    ]);
    // Another request completed it a moment ago and holds the publish lease: a retry must not publish too.
    const leasedEventId = 'b'.repeat(32);
    await putRaw(client, recordOf(inFlight), {
      order_handle: inFlight,
      status: 'completed',
      completed_at: '2024-01-02T03:04:05.678Z',
      pending_event: {
        event_id: leasedEventId,
        since: '2024-01-02T03:04:05.678Z',
        lease_until: Date.now() + 10 * 60_000,
      },
    });
    const handles = [completed, summarizing, inFlight];
    const before = await Promise.all(handles.map((handle) => getRaw(client, recordOf(handle))));

    for (const [index, handle] of handles.entries()) {
      const result = await send(handle);
      expect(result.status).toBe(200);
      expect(result.body).toEqual(withoutInternals(before[index] ?? {}));
      expect(result.body.completed_at).toBe('2024-01-02T03:04:05.678Z');
    }
    expect(before.map((item) => item?.status)).toEqual(['completed', 'summarizing', 'completed']);
    expect(await Promise.all(handles.map((handle) => getRaw(client, recordOf(handle))))).toEqual(before);
    const quiet = await eventsAfterQuietWindow(
      (event) => handles.some((handle) => forRecord(LOCAL, handle)(event)) || byEventId(leasedEventId)(event),
    );
    expect(quiet).toHaveLength(0);
  });

  test('a completed order whose event was left pending (lease expired): the retry publishes it once, same event_id', async () => {
    const handle = uniqueHandle('abandoned');
    const eventId = 'c'.repeat(24) + Date.now().toString(16).slice(-8).padStart(8, '0');
    const completedAt = '2024-05-06T07:08:09.010Z';
    await putRaw(client, recordOf(handle), {
      order_handle: handle,
      status: 'completed',
      completed_at: completedAt,
      worker_handle: 'Ada',
      pending_event: { event_id: eventId, since: completedAt, lease_until: 0 },
    });

    const result = await send(handle);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      order_handle: handle,
      type: 'drop',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'completed',
      completed_at: completedAt,
      worker_handle: 'Ada',
    });
    const events = await waitForEvents(byEventId(eventId));
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      account_id: LOCAL,
      order_handle: handle,
      completed_at: completedAt,
      worker_handle: 'Ada',
    });
    const after = await getRaw(client, recordOf(handle));
    expect(after).not.toHaveProperty('pending_event');
    expect(after?.completed_at).toBe(completedAt);

    const again = await send(handle);
    expect(again.status).toBe(200);
    expect(await eventsAfterQuietWindow(byEventId(eventId))).toHaveLength(1);
  });
});

describe('selection of the record to complete', () => {
  test('sample order-2 (pick and drop) without type: 422 naming query.type, neither record written', async () => {
    const pick = recordOf('order-2', { type: 'pick' });
    const drop = recordOf('order-2', { type: 'drop' });
    const pickBefore = await getRaw(client, pick);
    const dropBefore = await getRaw(client, drop);
    const result = await send('order-2');
    expect(result.status).toBe(422);
    expect(result.body.message).toBe('Validation error');
    const detail = result.body.detail as JsonObject;
    expect(Object.keys(detail)).toEqual(['query']);
    const query = detail.query as JsonObject;
    expect(Object.keys(query)).toEqual(['type']);
    expect(Array.isArray(query.type)).toBe(true);
    expect(await getRaw(client, pick)).toEqual(pickBefore);
    expect(await getRaw(client, drop)).toEqual(dropBefore);
  });

  test('a pick and a drop part: without type 422 naming type; ?type=drop completes the drop only', async () => {
    const handle = uniqueHandle('two-parts');
    const pick: RecordId = recordOf(handle, { type: 'pick' });
    const drop: RecordId = recordOf(handle, { type: 'drop' });
    await seedOrders(client, [makeOrder({ ...pick, status: 'ongoing' }), makeOrder({ ...drop, status: 'assigned' })]);
    const pickBefore = await getRaw(client, pick);
    const dropBefore = await getRaw(client, drop);

    const ambiguous = await send(handle);
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.message).toBe('Validation error');
    const query = (ambiguous.body.detail as JsonObject).query as JsonObject | undefined;
    expect(Array.isArray(query?.type)).toBe(true);
    expect(await getRaw(client, pick)).toEqual(pickBefore);
    expect(await getRaw(client, drop)).toEqual(dropBefore);

    const dropResult = await send(handle, { query: 'type=drop' });
    expect(dropResult.status).toBe(200);
    expect(dropResult.body.type).toBe('drop');
    expect(dropResult.body.status).toBe('completed');
    expect((await getRaw(client, drop))?.status).toBe('completed');
    expect(await getRaw(client, pick)).toEqual(pickBefore);
    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events.map((event) => event.detail.type)).toEqual(['drop']);
  });

  test('two drop parts: without type_index 422 naming query.type_index; ?type_index=1 completes part 1 only', async () => {
    const handle = uniqueHandle('two-drops');
    const part0 = recordOf(handle, { type_index: 0 });
    const part1 = recordOf(handle, { type_index: 1 });
    await seedOrders(client, [makeOrder({ ...part0 }), makeOrder({ ...part1 })]);
    const part0Before = await getRaw(client, part0);
    const part1Before = await getRaw(client, part1);

    const ambiguous = await send(handle, { query: 'type=drop' });
    expect(ambiguous.status).toBe(422);
    expect(Object.keys((ambiguous.body.detail as JsonObject).query as JsonObject)).toEqual(['type_index']);
    expect(await getRaw(client, part0)).toEqual(part0Before);
    expect(await getRaw(client, part1)).toEqual(part1Before);

    const result = await send(handle, { query: 'type_index=1' });
    expect(result.status).toBe(200);
    expect(result.body.type_index).toBe(1);
    expect((await getRaw(client, part1))?.status).toBe('completed');
    expect(await getRaw(client, part0)).toEqual(part0Before);
  });

  test('sample order-4 (attempt 0 cancelled, attempt 1 dispatched): the latest attempt completes', async () => {
    const a0 = recordOf('order-4', { fulfillment_attempt: 0 });
    const a1 = recordOf('order-4', { fulfillment_attempt: 1 });
    const a0Before = await getRaw(client, a0);
    const result = await send('order-4');
    expect(result.status).toBe(200);
    expect(result.body.fulfillment_attempt).toBe(1);
    expect(result.body.status).toBe('completed');
    expect(result.body.previous_fulfillments).toEqual(sample(LOCAL, 'order-4', 1).previous_fulfillments);
    expect((await getRaw(client, a1))?.completed_at).toBe(result.body.completed_at);
    expect(await getRaw(client, a0)).toEqual(a0Before);
  });

  test('several attempts: without fulfillment_attempt the latest completes; attempt 0 stays as it was', async () => {
    const handle = uniqueHandle('attempts');
    const a0 = recordOf(handle, { fulfillment_attempt: 0 });
    const a1 = recordOf(handle, { fulfillment_attempt: 1 });
    await seedOrders(client, [makeOrder({ ...a0, status: 'cancelled' }), makeOrder({ ...a1, status: 'dispatched' })]);
    const a0Before = await getRaw(client, a0);

    const result = await send(handle);
    expect(result.status).toBe(200);
    expect(result.body.fulfillment_attempt).toBe(1);
    expect(result.body.status).toBe('completed');
    expect((await getRaw(client, a1))?.status).toBe('completed');
    expect(await getRaw(client, a0)).toEqual(a0Before);

    const old = await send(handle, { query: 'fulfillment_attempt=0' });
    expect(old.status).toBe(409);
    expect(old.body.detail).toEqual({ status: 'cancelled' });
    expect(await getRaw(client, a0)).toEqual(a0Before);
  });

  test('?fulfillment_attempt=0 completes attempt 0 and leaves the later attempt alone', async () => {
    const handle = uniqueHandle('attempt0');
    const a0 = recordOf(handle, { fulfillment_attempt: 0 });
    const a1 = recordOf(handle, { fulfillment_attempt: 1 });
    await seedOrders(client, [makeOrder({ ...a0, status: 'ongoing' }), makeOrder({ ...a1, status: 'ongoing' })]);
    const a1Before = await getRaw(client, a1);

    const result = await send(handle, { query: 'fulfillment_attempt=0' });
    expect(result.status).toBe(200);
    expect(result.body.fulfillment_attempt).toBe(0);
    expect((await getRaw(client, a0))?.status).toBe('completed');
    expect(await getRaw(client, a1)).toEqual(a1Before);
    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events.map((event) => event.detail.fulfillment_attempt)).toEqual([0]);
  });

  test.each<[string, string]>([
    ['a type the order does not have', 'type=pick'],
    ['an attempt that does not exist', 'fulfillment_attempt=3'],
    ['a type_index that does not exist', 'type_index=2'],
  ])('%s: 404, nothing written', async (_name, query) => {
    const handle = uniqueHandle('narrowed');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const before = await getRaw(client, recordOf(handle));
    const result = await send(handle, { query });
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'Order not found', detail: {} });
    expect(await getRaw(client, recordOf(handle))).toEqual(before);
  });
});

describe('404 and account isolation', () => {
  test('unknown handle: 404 Order not found', async () => {
    const result = await send(uniqueHandle('missing'));
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'Order not found', detail: {} });
  });

  test('a handle only other-account has is 404 for local-account and the record is untouched', async () => {
    const handle = uniqueHandle('theirs');
    const id = recordOf(handle, { account_id: OTHER });
    await seedOrders(client, [makeOrder({ ...id })]);
    const before = await getRaw(client, id);
    expect(before).toBeDefined();

    const result = await send(handle);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'Order not found', detail: {} });
    expect(await getRaw(client, id)).toEqual(before);
    expect(await eventsAfterQuietWindow(forRecord(OTHER, handle), 500)).toHaveLength(0);
  });

  test("other-account completes its own order without touching local-account's record of the same handle", async () => {
    const handle = uniqueHandle('shared');
    const mine = recordOf(handle);
    const theirs = recordOf(handle, { account_id: OTHER });
    await seedOrders(client, [makeOrder({ ...mine }), makeOrder({ ...theirs })]);
    const mineBefore = await getRaw(client, mine);

    const result = await send(handle, { auth: otherAuth });
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
    expect((await getRaw(client, theirs))?.status).toBe('completed');
    expect(await getRaw(client, mine)).toEqual(mineBefore);

    const events = await waitForEvents(forRecord(OTHER, handle));
    expect(events).toHaveLength(1);
    expect(readEvents().filter(forRecord(LOCAL, handle))).toHaveLength(0);
  });
});

describe('409', () => {
  test('sample order-3 (cancelled): 409 with detail.status, nothing written', async () => {
    const id = recordOf('order-3');
    const before = await getRaw(client, id);
    const result = await send('order-3');
    expect(result.status).toBe(409);
    expect(result.body).toEqual({ message: expect.any(String), detail: { status: 'cancelled' } });
    expect(await getRaw(client, id)).toEqual(before);
  });

  test.each<OrderStatus>(['cancelled', 'disabled'])(
    'a %s order: 409 with detail.status, nothing written, no event',
    async (status) => {
      const handle = uniqueHandle(status);
      const id = recordOf(handle);
      await seedOrders(client, [makeOrder({ ...id, status })]);
      const before = await getRaw(client, id);

      const result = await send(handle);
      expect(result.status).toBe(409);
      expect(typeof result.body.message).toBe('string');
      expect(result.body.detail).toEqual({ status });
      expect(Object.keys(result.body).sort()).toEqual(['detail', 'message']);
      expect(await getRaw(client, id)).toEqual(before);
      expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle))).toHaveLength(0);
    },
  );
});
