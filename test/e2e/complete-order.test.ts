import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LOCAL,
  OTHER,
  complete,
  createClient,
  eventsAfterQuietWindow,
  expectJsonContentType,
  forRecord,
  getRaw,
  makeOrder,
  otherAuth,
  readEvents,
  seedOrders,
  uniqueHandle,
  waitForEvents,
  type EventLine,
  type HttpResult,
  type JsonObject,
  type RecordId,
} from './support/e2e';

let client: DynamoDBDocumentClient;
beforeAll(() => {
  client = createClient();
});
afterAll(() => {
  client.destroy();
});

const send = async (...args: Parameters<typeof complete>): Promise<HttpResult> => {
  const result = await complete(...args);
  expectJsonContentType(result);
  return result;
};

const timeline = (body: JsonObject): JsonObject[] => (Array.isArray(body.timeline) ? (body.timeline as JsonObject[]) : []);

const byEventId =
  (eventId: unknown) =>
  (event: EventLine): boolean =>
    event.detail.event_id === eventId;

describe('POST /orders/{order_handle}/complete: 200', () => {
  test('sample order-1 completes, publishes exactly one OrderCompleted event, and a repeat is idempotent', async () => {
    const first = await send('order-1');
    expect(first.status).toBe(200);
    const body = first.body;
    expect(body.order_handle).toBe('order-1');
    expect(body.status).toBe('completed');
    expect(typeof body.completed_at).toBe('string');
    expect(Number.isNaN(Date.parse(String(body.completed_at)))).toBe(false);
    const last = timeline(body).at(-1);
    expect(last?.type).toBe('order_completed');
    expect(last?.recorded_at).toBe(body.completed_at);
    for (const internal of ['pk', 'sk', 'account_id', 'pending_event']) expect(body).not.toHaveProperty(internal);

    const isMine = (event: EventLine): boolean =>
      forRecord(LOCAL, 'order-1')(event) && event.detail.type === 'pick' && event.detail.fulfillment_attempt === 0;
    const events = await waitForEvents(isMine);
    expect(events).toHaveLength(1);
    const event = events[0] as EventLine;
    expect(event.source).toBe('orders-complete');
    expect(event['detail-type']).toBe('OrderCompleted');
    expect(event.detail.order_handle).toBe('order-1');
    expect(event.detail.completed_at).toBe(body.completed_at);
    expect(event.detail.status).toBe('completed');
    expect(event.detail).not.toHaveProperty('polyline');
    expect(event.detail).not.toHaveProperty('timeline');
    expect(typeof event.detail.event_id).toBe('string');

    const repeat = await send('order-1');
    expect(repeat.status).toBe(200);
    expect(repeat.body.status).toBe('completed');
    expect(repeat.body.completed_at).toBe(body.completed_at);
    expect(timeline(repeat.body).filter((entry) => entry.type === 'order_completed')).toHaveLength(1);
    expect(await eventsAfterQuietWindow(byEventId(event.detail.event_id))).toHaveLength(1);
    expect(readEvents().filter(isMine)).toHaveLength(1);
  });

  test('8 concurrent completes of one order: all 200 with one completed_at, exactly one event', async () => {
    const handle = uniqueHandle('concurrent');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const results = await Promise.all(Array.from({ length: 8 }, () => send(handle)));
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.status).toBe('completed');
    }
    const completedAts = new Set(results.map((result) => result.body.completed_at));
    expect(completedAts.size).toBe(1);
    const raw = await getRaw(client, { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 });
    expect(raw?.completed_at).toBe(results[0]?.body.completed_at);
    expect(timeline(raw ?? {}).filter((entry) => entry.type === 'order_completed')).toHaveLength(1);

    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.completed_at).toBe(results[0]?.body.completed_at);
    expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle))).toHaveLength(1);
  });
});

describe('selection of the record to complete', () => {
  test('a pick and a drop part: without type 422 naming type; ?type=drop completes the drop only', async () => {
    const handle = uniqueHandle('two-parts');
    const pick: RecordId = { account_id: LOCAL, order_handle: handle, type: 'pick', type_index: 0, fulfillment_attempt: 0 };
    const drop: RecordId = { ...pick, type: 'drop' };
    await seedOrders(client, [makeOrder({ ...pick, status: 'ongoing' }), makeOrder({ ...drop, status: 'assigned' })]);
    const pickBefore = await getRaw(client, pick);
    const dropBefore = await getRaw(client, drop);

    const ambiguous = await send(handle);
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.message).toBe('Validation error');
    const detail = ambiguous.body.detail as JsonObject;
    const query = detail.query as JsonObject | undefined;
    expect(query).toBeDefined();
    expect(Array.isArray(query?.type)).toBe(true);
    expect(await getRaw(client, pick)).toEqual(pickBefore);
    expect(await getRaw(client, drop)).toEqual(dropBefore);

    const dropResult = await send(handle, { query: 'type=drop' });
    expect(dropResult.status).toBe(200);
    expect(dropResult.body.type).toBe('drop');
    expect(dropResult.body.status).toBe('completed');
    expect((await getRaw(client, drop))?.status).toBe('completed');
    expect(await getRaw(client, pick)).toEqual(pickBefore);
  });

  test('several attempts: without fulfillment_attempt the latest completes; attempt 0 stays as it was', async () => {
    const handle = uniqueHandle('attempts');
    const a0: RecordId = { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
    const a1: RecordId = { ...a0, fulfillment_attempt: 1 };
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
    const a0: RecordId = { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
    const a1: RecordId = { ...a0, fulfillment_attempt: 1 };
    await seedOrders(client, [makeOrder({ ...a0, status: 'ongoing' }), makeOrder({ ...a1, status: 'ongoing' })]);
    const a1Before = await getRaw(client, a1);

    const result = await send(handle, { query: 'fulfillment_attempt=0' });
    expect(result.status).toBe(200);
    expect(result.body.fulfillment_attempt).toBe(0);
    expect((await getRaw(client, a0))?.status).toBe('completed');
    expect(await getRaw(client, a1)).toEqual(a1Before);
  });
});

describe('404 and account isolation', () => {
  test('unknown handle: 404 Order not found', async () => {
    const result = await send(uniqueHandle('missing'));
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'Order not found', detail: {} });
  });

  test("a handle only other-account has is 404 for local-account and the record is untouched", async () => {
    const handle = uniqueHandle('theirs');
    const id: RecordId = { account_id: OTHER, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
    await seedOrders(client, [makeOrder({ ...id })]);
    const before = await getRaw(client, id);
    expect(before).toBeDefined();

    const result = await send(handle);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'Order not found', detail: {} });
    expect(await getRaw(client, id)).toEqual(before);
  });

  test("other-account completes its own order without touching local-account's record of the same handle", async () => {
    const handle = uniqueHandle('shared');
    const mine: RecordId = { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
    const theirs: RecordId = { ...mine, account_id: OTHER };
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
  test('a cancelled order: 409 with detail.status, nothing written, no event', async () => {
    const handle = uniqueHandle('cancelled');
    const id: RecordId = { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
    await seedOrders(client, [makeOrder({ ...id, status: 'cancelled' })]);
    const before = await getRaw(client, id);

    const result = await send(handle);
    expect(result.status).toBe(409);
    expect(typeof result.body.message).toBe('string');
    expect(result.body.detail).toEqual({ status: 'cancelled' });
    expect(Object.keys(result.body).sort()).toEqual(['detail', 'message']);
    expect(await getRaw(client, id)).toEqual(before);
    expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle))).toHaveLength(0);
  });
});
