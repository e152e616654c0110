import { afterAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { DynamoDbOrderSeeder } from '../../../adapters/dynamodb/seeder';
import { completeOrder } from '../../../domain/complete-order';
import { OrderNotCompletable, OrderNotFound } from '../../../domain/errors';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { orderCompletedTimelineEventWithoutRoute } from '../../../domain/completion-rules';
import { relayPendingEvents } from '../../../domain/relay-pending-events';
import { freshTable } from '../support/fresh-table';

import type { AccountOrder } from '../../../domain/order';
import { ACCOUNT, anOrder, endpoint, getItem, mustGetItem, tableName, uniqueHandle } from '../support/dynamo';
import { ManualClock, makeDeps, RecordingPublisher } from '../../support/fakes';

/**
 * The exact-record path (type, type_index and fulfillment_attempt all given): no read at all, the completing write
 * and one write after the publish, and the order_completed event still carries the record's route_handle.
 * Calls are counted at the SDK, on a client of its own.
 */
const calls: string[] = [];
const client: DynamoDBDocumentClient = createDocumentClient({ region: 'us-east-1', endpoint: endpoint() });
client.middlewareStack.add(
  (next, context) => async (args) => {
    calls.push(String(context.commandName).replace(/Command$/, ''));
    return next(args);
  },
  { step: 'initialize', name: 'countCalls' },
);
const store = new DynamoDbOrderStore(client, tableName());
const seeder = new DynamoDbOrderSeeder(client, tableName());
afterAll(() => client.destroy());

const EXACT = { type: 'pick', type_index: 0, fulfillment_attempt: 0 } as const;
const seed = async (overrides: Partial<AccountOrder> = {}): Promise<AccountOrder> => {
  const order = anOrder({
    order_handle: uniqueHandle('exact'),
    status: 'ongoing',
    route_handle: 'route-77',
    ...overrides,
  });
  await seeder.putOrders([order]);
  calls.length = 0;
  return order;
};
const exact = (order: AccountOrder) => ({ account_id: ACCOUNT, order_handle: order.order_handle, selector: EXACT });
const completionEvent = (item: Record<string, unknown>) =>
  (item.timeline as Record<string, unknown>[]).find((event) => event.type === 'order_completed');

describe('the query names the exact record', () => {
  test('no read: UpdateItem, PutEvents, UpdateItem; the stored and answered event carry route_handle', async () => {
    const order = await seed();
    const clock = new ManualClock();
    const { deps, publisher } = makeDeps(store, { now: clock.now });

    const result = await completeOrder(deps, exact(order));

    expect(calls).toEqual(['UpdateItem', 'UpdateItem']);
    const completedAt = clock.now().toISOString();
    const expected = {
      type: 'order_completed',
      recorded_at: completedAt,
      order_handle: order.order_handle,
      route_handle: 'route-77',
      order_type: 'pick',
      fulfillment_attempt: 0,
    };
    expect(completionEvent(result.order)).toEqual(expected);
    const stored = await mustGetItem(client, order);
    expect(completionEvent(stored)).toEqual(expected);
    expect(stored.pending_event).toBeUndefined();
    expect(publisher.published.map((detail) => detail.route_handle)).toEqual(['route-77']);
  });

  test('the same stored event as the path that reads first', async () => {
    const [named, found] = [await seed(), await seed()];
    const clock = new ManualClock();
    const { deps } = makeDeps(store, { now: clock.now });
    await completeOrder(deps, exact(named));
    await completeOrder(deps, { account_id: ACCOUNT, order_handle: found.order_handle, selector: {} });
    const [a, b] = [await mustGetItem(client, named), await mustGetItem(client, found)];
    expect({ ...completionEvent(a), order_handle: 'x' }).toEqual({ ...completionEvent(b), order_handle: 'x' });
  });

  test('a record without route_handle: the event says null', async () => {
    const order = await seed({ route_handle: null });
    const { deps } = makeDeps(store);
    const result = await completeOrder(deps, exact(order));
    expect(completionEvent(result.order)?.route_handle).toBeNull();
    const stored = await mustGetItem(client, order);
    expect(completionEvent(stored)).toHaveProperty('route_handle', null);
  });

  test('publish fails: the lease-release write fills route_handle; the retry publishes and clears', async () => {
    const order = await seed();
    const publisher = new RecordingPublisher().failing();
    const { deps } = makeDeps(store, { publisher });

    const first = await completeOrder(deps, exact(order));
    expect(first.publishFailed).toBe(true); // the write stands: 200, the event is left to the relay
    expect(completionEvent(first.order)?.route_handle).toBe('route-77');
    const afterFailure = await mustGetItem(client, order);
    expect(completionEvent(afterFailure)?.route_handle).toBe('route-77');
    expect((afterFailure.pending_event as { lease_until: number }).lease_until).toBe(0);

    publisher.working();
    const retried = await completeOrder(deps, exact(order));
    expect(retried.transitioned).toBe(false);
    expect(completionEvent(retried.order)?.route_handle).toBe('route-77');
    expect((await mustGetItem(client, order)).pending_event).toBeUndefined();
  });

  test('while the winner publishes, a concurrent complete already answers the event with route_handle', async () => {
    const order = await seed();
    const publisher = new RecordingPublisher();
    const held = publisher.holdNext();
    const { deps } = makeDeps(store, { publisher });

    const winner = completeOrder(deps, exact(order));
    await held.started;
    // Stored right now: the event without route_handle (the winner fills it after its publish).
    const inFlight = await mustGetItem(client, order);
    expect(completionEvent(inFlight)).not.toHaveProperty('route_handle');
    const loser = await completeOrder(deps, exact(order));
    held.release();
    const won = await winner;

    expect(loser.transitioned).toBe(false);
    expect(completionEvent(loser.order)?.route_handle).toBe('route-77');
    expect(loser.order.timeline).toEqual(won.order.timeline);
    expect(publisher.published).toHaveLength(1);
  });

  test('no such record: 404 after one refused write, nothing created', async () => {
    const order = await seed();
    const { deps } = makeDeps(store);
    const missing = { ...exact(order), selector: { ...EXACT, fulfillment_attempt: 9 } };
    await expect(completeOrder(deps, missing)).rejects.toBeInstanceOf(OrderNotFound);
    expect(calls).toEqual(['UpdateItem']);
    expect(await getItem(client, { ...order, fulfillment_attempt: 9 })).toBeUndefined();
  });

  test('a cancelled record: 409, nothing written', async () => {
    const order = await seed({ status: 'cancelled' });
    const before = await mustGetItem(client, order);
    const { deps, publisher } = makeDeps(store);
    await expect(completeOrder(deps, exact(order))).rejects.toBeInstanceOf(OrderNotCompletable);
    expect(await mustGetItem(client, order)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });
});

describe('type and type_index given, no attempt', () => {
  test('one Query that reads only the latest attempt, then the two writes', async () => {
    const handle = uniqueHandle('latest');
    const attempts = [0, 1, 2].map((fulfillment_attempt) =>
      anOrder({ order_handle: handle, fulfillment_attempt, status: 'ongoing' }),
    );
    await seeder.putOrders(attempts);
    calls.length = 0;
    const { deps } = makeDeps(store);
    const result = await completeOrder(deps, {
      account_id: ACCOUNT,
      order_handle: handle,
      selector: { type: 'pick', type_index: 0 },
    });
    expect(result.order.fulfillment_attempt).toBe(2);
    expect(calls).toEqual(['Query', 'UpdateItem', 'UpdateItem']);
  });
});

describe('the exact-record request died between its two writes', () => {
  test('the relay publishes the event and its clearing write sets the missing route_handle', async () => {
    const table = await freshTable('exact-relay');
    try {
      const order = anOrder({ order_handle: uniqueHandle('died'), status: 'ongoing', route_handle: 'route-9' });
      await table.seeder.putOrders([order]);
      const key = { account_id: ACCOUNT, order_handle: order.order_handle, ...EXACT };
      const completedAt = new Date(Date.now() - 60_000).toISOString();
      const eventId = orderCompletedEventId(key, completedAt);
      // Only the completing write happened (its lease long expired); the process died before publishing.
      await table.store.complete({
        key,
        completed_at: completedAt,
        timeline_event: orderCompletedTimelineEventWithoutRoute(key, completedAt),
        pending_event: { event_id: eventId, since: completedAt, lease_until: Date.now() - 50_000 },
      });
      expect(completionEvent(await mustGetItem(table.client, order, table.name))).not.toHaveProperty('route_handle');

      const publisher = new RecordingPublisher();
      const { warnings } = makeDeps(table.store);
      const report = await relayPendingEvents({
        store: table.pending,
        publisher,
        warnings,
        now: () => new Date(),
        leaseMs: 30_000,
      });

      expect(report.published).toBe(1);
      expect(publisher.published.map((detail) => [detail.event_id, detail.route_handle])).toEqual([
        [eventId, 'route-9'],
      ]);
      const stored = await mustGetItem(table.client, order, table.name);
      expect(stored.pending_event).toBeUndefined();
      expect(completionEvent(stored)).toMatchObject({ recorded_at: completedAt, route_handle: 'route-9' });
    } finally {
      await table.drop();
    }
  });
});
