import { afterAll, describe, expect, test } from '@jest/globals';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { completeOrder } from '../../../domain/complete-order';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { OrderNotCompletable, OrderNotFound, OrderTooLarge } from '../../../domain/errors';
import { parseOrderCompletedDetail } from '../../../contracts/order-completed';
import { ORDER_FIELDS, type OrderStatus } from '../../../domain/order-fields';
import type { AccountOrder } from '../../../domain/order';
import {
  ACCOUNT,
  ISO,
  anOrder,
  connect,
  mustGetItem,
  orderKey,
  putRawItem,
  uniqueHandle,
  withoutCompletionFields,
} from '../support/dynamo';
import { makeDeps } from '../../support/fakes';

/** completeOrder with the real DynamoDbOrderStore on DynamoDB Local and a recording publisher. */
const dynamo = connect();
afterAll(() => dynamo.destroy());

const seed = async (order: AccountOrder): Promise<void> => {
  await dynamo.seeder.putOrders([order]);
};

const selectorOf = (order: AccountOrder) => ({
  type: order.type,
  type_index: order.type_index,
  fulfillment_attempt: order.fulfillment_attempt,
});

describe('completing a completable order', () => {
  test.each(['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'] as const)(
    '%s -> completed: one write, one timeline event, one confirmed event, outbox cleared',
    async (status) => {
      const order = anOrder({
        order_handle: uniqueHandle(`transition-${status}`),
        status,
        type: 'drop',
        type_index: 3,
        fulfillment_attempt: 2,
      });
      await seed(order);
      const before = await mustGetItem(dynamo.client, order);
      const { deps, publisher, warnings } = makeDeps(dynamo.store);

      const started = Date.now();
      const result = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });
      const finished = Date.now();

      const after = await mustGetItem(dynamo.client, order);
      expect(after.status).toBe('completed');
      expect(after.completed_at).toMatch(ISO);
      const completedAt = after.completed_at as string;
      expect(Date.parse(completedAt)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(completedAt)).toBeLessThanOrEqual(finished);

      // Exactly one event appended, everything before it kept in order.
      const timelineBefore = before.timeline as unknown[];
      expect(after.timeline).toEqual([
        ...timelineBefore,
        {
          type: 'order_completed',
          recorded_at: completedAt,
          order_handle: order.order_handle,
          route_handle: order.route_handle,
          order_type: 'drop',
          fulfillment_attempt: 2,
        },
      ]);
      // Nothing else on the item changed (maps compared structurally, key order irrelevant).
      expect(withoutCompletionFields(after)).toEqual(withoutCompletionFields(before));
      expect(after.pending_event).toBeUndefined();
      expect(Object.hasOwn(after, 'pending_event')).toBe(false);

      // The answer: the stored order in the API's shape, nothing internal.
      expect(result.transitioned).toBe(true);
      for (const internal of ['pk', 'sk', 'account_id', 'pending_event'])
        expect(Object.hasOwn(result.order, internal)).toBe(false);
      expect(Object.keys(result.order).every((field) => ORDER_FIELDS.includes(field))).toBe(true);
      const { pk: _pk, sk: _sk, account_id: _account, ...apiFieldsAfter } = after;
      expect(result.order).toEqual(apiFieldsAfter);

      // Exactly one confirmed event, matching the stored completion.
      expect(publisher.attempts).toHaveLength(1);
      expect(publisher.published).toHaveLength(1);
      const detail = parseOrderCompletedDetail(publisher.published[0]);
      expect(detail).toEqual({
        version: '1',
        event_id: orderCompletedEventId(orderKey(order), completedAt),
        account_id: ACCOUNT,
        order_handle: order.order_handle,
        type: 'drop',
        type_index: 3,
        fulfillment_attempt: 2,
        status: 'completed',
        completed_at: completedAt,
        route_handle: order.route_handle,
        worker_handle: order.worker_handle,
        device_id: order.device_id,
        metadata: order.metadata,
        share_url: order.share_url,
        destination: order.destination,
      });
      expect(warnings.warnings).toEqual([]);
    },
  );

  test('an order stored without a timeline gets one holding just the order_completed event', async () => {
    const { timeline: _timeline, ...withoutTimeline } = anOrder({
      order_handle: uniqueHandle('no-timeline'),
      status: 'planned',
    });
    const order: AccountOrder = withoutTimeline;
    await seed(order);
    const before = await mustGetItem(dynamo.client, order);
    expect(Object.hasOwn(before, 'timeline')).toBe(false);
    const { deps, publisher } = makeDeps(dynamo.store);

    const result = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

    const after = await mustGetItem(dynamo.client, order);
    expect(after.timeline).toEqual([
      {
        type: 'order_completed',
        recorded_at: after.completed_at,
        order_handle: order.order_handle,
        route_handle: order.route_handle,
        order_type: 'pick',
        fulfillment_attempt: 0,
      },
    ]);
    expect(withoutCompletionFields(after)).toEqual(withoutCompletionFields(before));
    expect(result.order.timeline).toEqual(after.timeline);
    expect(publisher.published).toHaveLength(1);
  });

  test('an order without a route_handle records route_handle null in the timeline event and the event', async () => {
    const { route_handle: _route, ...rest } = anOrder({ order_handle: uniqueHandle('no-route'), status: 'unplanned' });
    const order: AccountOrder = rest;
    await seed(order);
    const { deps, publisher } = makeDeps(dynamo.store);

    await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

    const after = await mustGetItem(dynamo.client, order);
    const timeline = after.timeline as Record<string, unknown>[];
    expect(timeline.at(-1)).toMatchObject({ type: 'order_completed', route_handle: null });
    expect(Object.hasOwn(after, 'route_handle')).toBe(false);
    expect(publisher.published[0]?.route_handle).toBeNull();
  });

  test('the stored completed_at and the published completed_at come from the injected clock', async () => {
    const order = anOrder({ order_handle: uniqueHandle('clock'), status: 'assigned' });
    await seed(order);
    const at = new Date('2031-02-03T04:05:06.789Z');
    const { deps, publisher } = makeDeps(dynamo.store, { now: () => at });

    const result = await completeOrder(deps, {
      account_id: ACCOUNT,
      order_handle: order.order_handle,
      selector: selectorOf(order),
    });

    expect(result.order.completed_at).toBe(at.toISOString());
    expect((await mustGetItem(dynamo.client, order)).completed_at).toBe(at.toISOString());
    expect(publisher.published.map((detail) => detail.event_id)).toEqual([
      orderCompletedEventId(orderKey(order), at.toISOString()),
    ]);
  });

  // Items stored with a NULL timeline (seeded as null, or written so by other writers): the store starts the list
  // instead of a 500, and changes nothing else.
  test.each([
    [
      'seeded with timeline: null',
      async (order: AccountOrder) => seed(order),
      (handle: string) => anOrder({ order_handle: handle, status: 'ongoing', timeline: null }),
    ],
    [
      'STORED with a NULL timeline attribute',
      async (order: AccountOrder) => putRawItem(dynamo.client, { ...toItem(order), timeline: null }),
      (handle: string) => anOrder({ order_handle: handle, status: 'ongoing' }),
    ],
  ])('an order %s completes (its timeline becomes just the order_completed event)', async (name, store, make) => {
    const order = make(uniqueHandle(`null-timeline-${name.split(' ')[0]}`));
    await store(order);
    const before = await mustGetItem(dynamo.client, order);
    expect(before.timeline).toBeNull();
    const { deps, publisher } = makeDeps(dynamo.store);

    const result = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

    expect(result.transitioned).toBe(true);
    const after = await mustGetItem(dynamo.client, order);
    expect(after.status).toBe('completed');
    expect(after.timeline).toEqual([
      expect.objectContaining({ type: 'order_completed', recorded_at: after.completed_at }),
    ]);
    expect(withoutCompletionFields(after)).toEqual(withoutCompletionFields(before));
    expect(publisher.published).toHaveLength(1);
  });
});

describe('completing an order that is already done', () => {
  test.each(['completed', 'summarizing'] as const)(
    '%s: answered as stored, nothing written, nothing published',
    async (status) => {
      const order = anOrder({
        order_handle: uniqueHandle(`done-${status}`),
        status,
        completed_at: '2024-01-02T03:04:05.678Z',
        timeline: [
          { type: 'order_created', recorded_at: '2024-01-01T00:00:00.000Z' },
          {
            type: 'order_completed',
            recorded_at: '2024-01-02T03:04:05.678Z',
            order_handle: 'x',
            route_handle: null,
            order_type: 'pick',
            fulfillment_attempt: 0,
          },
        ],
      });
      await seed(order);
      const before = await mustGetItem(dynamo.client, order);
      const { deps, publisher } = makeDeps(dynamo.store);

      const result = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

      expect(result.transitioned).toBe(false);
      const { account_id: _account, ...apiOrder } = order;
      expect(result.order).toEqual(apiOrder);
      expect(await mustGetItem(dynamo.client, order)).toEqual(before);
      expect(publisher.attempts).toEqual([]);
    },
  );

  test('completing twice: the second call answers the first completion, writes and publishes nothing', async () => {
    const order = anOrder({ order_handle: uniqueHandle('twice'), status: 'dispatched' });
    await seed(order);
    const { deps, publisher } = makeDeps(dynamo.store);

    const first = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });
    const stored = await mustGetItem(dynamo.client, order);
    const second = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

    expect(first.transitioned).toBe(true);
    expect(second.transitioned).toBe(false);
    expect(second.order).toEqual(first.order);
    expect(await mustGetItem(dynamo.client, order)).toEqual(stored);
    expect(publisher.attempts).toHaveLength(1);
  });
});

describe('refusing', () => {
  test('an order at the 400 KB item limit: OrderTooLarge, nothing written or published', async () => {
    const order = anOrder({ order_handle: uniqueHandle('too-large'), status: 'ongoing' });
    // The largest padding DynamoDB still stores: the order sits within a few bytes of its item limit.
    let low = 300_000;
    let high = 409_600;
    while (high - low > 16) {
      const size = Math.floor((low + high) / 2);
      const stored = await putRawItem(dynamo.client, { ...toItem(order), padding: 'x'.repeat(size) }).then(
        () => true,
        () => false,
      );
      if (stored) low = size;
      else high = size;
    }
    await putRawItem(dynamo.client, { ...toItem(order), padding: 'x'.repeat(low) });
    const before = await mustGetItem(dynamo.client, order);
    const { deps, publisher } = makeDeps(dynamo.store);

    await expect(
      completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} }),
    ).rejects.toBeInstanceOf(OrderTooLarge);
    expect(await mustGetItem(dynamo.client, order)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });

  test.each(['cancelled', 'disabled'] as const)(
    '%s: OrderNotCompletable naming the status, nothing written or published',
    async (status) => {
      const order = anOrder({ order_handle: uniqueHandle(`refuse-${status}`), status });
      await seed(order);
      const before = await mustGetItem(dynamo.client, order);
      const { deps, publisher } = makeDeps(dynamo.store);

      const attempt = completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

      await expect(attempt).rejects.toBeInstanceOf(OrderNotCompletable);
      await expect(attempt).rejects.toMatchObject({ status: status satisfies OrderStatus });
      expect(await mustGetItem(dynamo.client, order)).toEqual(before);
      expect(publisher.attempts).toEqual([]);
    },
  );

  test('an unknown handle: OrderNotFound, nothing published', async () => {
    const { deps, publisher } = makeDeps(dynamo.store);
    await expect(
      completeOrder(deps, { account_id: ACCOUNT, order_handle: uniqueHandle('missing'), selector: {} }),
    ).rejects.toBeInstanceOf(OrderNotFound);
    await expect(
      completeOrder(deps, {
        account_id: ACCOUNT,
        order_handle: uniqueHandle('missing'),
        selector: { type: 'pick', type_index: 0, fulfillment_attempt: 0 },
      }),
    ).rejects.toBeInstanceOf(OrderNotFound);
    expect(publisher.attempts).toEqual([]);
  });

  test('a selector that matches no record of an existing handle: OrderNotFound, the record untouched', async () => {
    const order = anOrder({ order_handle: uniqueHandle('narrowed-away'), status: 'ongoing' });
    await seed(order);
    const before = await mustGetItem(dynamo.client, order);
    const { deps, publisher } = makeDeps(dynamo.store);

    for (const selector of [
      { type: 'drop' as const },
      { type_index: 1 },
      { fulfillment_attempt: 1 },
      { type: 'pick' as const, type_index: 0, fulfillment_attempt: 7 },
    ]) {
      await expect(
        completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector }),
      ).rejects.toBeInstanceOf(OrderNotFound);
    }
    expect(await mustGetItem(dynamo.client, order)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });
});
