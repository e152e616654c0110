import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { MAX_PENDING_SHARDS, pendingShard } from '../../../adapters/dynamodb/keys';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { loadConfig } from '../../../config/env';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { ACCOUNT, anOrder, endpoint, mustGetItem, orderKey, putRawItem, uniqueHandle } from '../support/dynamo';
import { FakeEventBridge, type Fault } from '../../../scripts/local/fakes/aws-endpoints';
import { ManualClock } from '../../support/fakes';
import { apiFor, relayFor } from '../support/real-service';
import { freshTable, type Table } from '../support/fresh-table';

/**
 * At-least-once delivery: whatever EventBridge does during a completion, the caller gets 200, and after recovery
 * one relay pass delivers exactly one event per order (same event_id as the request path's attempt); a second
 * pass delivers nothing. Real adapters and SDK clients, DynamoDB Local, a controllable local EventBridge.
 */
const eventBridge = new FakeEventBridge();
let table: Table;
beforeAll(async () => {
  await eventBridge.start();
});
afterAll(async () => {
  await eventBridge.stop();
});
afterEach(async () => {
  eventBridge.reset();
  await table?.drop();
});

const seedOrders = async (label: string, count: number) => {
  const orders = Array.from({ length: count }, () =>
    anOrder({ order_handle: uniqueHandle(label), status: 'ongoing', type: 'drop' }),
  );
  await table.seeder.putOrders(orders);
  return orders;
};

const pendingOf = async (order: ReturnType<typeof anOrder>) =>
  (await mustGetItem(table.client, order, table.name)).pending_event as
    { event_id: string; lease_until: number } | undefined;

type Outage = Fault | 'failed-entries';
const stage = (outage: Outage) => {
  if (outage === 'failed-entries') eventBridge.failEntry = () => true;
  else eventBridge.fault = outage;
};
const recover = () => {
  eventBridge.fault = 'none';
  eventBridge.failEntry = undefined;
};

describe('EventBridge fails during the completion', () => {
  test.each<[string, Outage]>([
    ['refuses every call (HTTP 500)', 'error500'],
    ['throttles every call', 'throttle'],
    ['refuses the request (HTTP 400)', 'refuse400'],
    ['answers FailedEntryCount > 0', 'failed-entries'],
    ['never answers (timeout)', 'hang'],
  ])(
    'EventBridge %s: every caller gets 200; after recovery one pass delivers one event per order, a second none',
    async (_label, outage) => {
      table = await freshTable('relay');
      const orders = await seedOrders('eb-down', 4);
      // A short request-path budget keeps the hanging case quick; the timeouts test measures the real one.
      const api = apiFor(table.store, eventBridge.endpoint, { publishTimeoutMs: 800 });
      stage(outage);

      const responses = await Promise.all(orders.map((order) => api.complete(order.order_handle)));

      for (const [index, response] of responses.entries()) {
        expect(response.statusCode).toBe(200);
        expect(response.body).toMatchObject({ status: 'completed', order_handle: orders[index]?.order_handle });
      }
      expect(eventBridge.delivered).toEqual([]);
      expect(api.warnings.warnings.map((warning) => warning.message)).toEqual(
        orders.map(() => 'OrderCompleted not published; left pending for the relay'),
      );
      const expectedIds = new Set<string>();
      for (const [index, order] of orders.entries()) {
        const stored = await mustGetItem(table.client, order, table.name);
        expect(stored.status).toBe('completed');
        expect(stored.completed_at).toBe(responses[index]?.body.completed_at);
        const eventId = orderCompletedEventId(orderKey(order), stored.completed_at as string);
        // Released, so the relay's next pass may publish it without waiting for the lease.
        expect(stored.pending_event).toEqual({ event_id: eventId, since: stored.completed_at, lease_until: 0 });
        expectedIds.add(eventId);
      }

      const relay = relayFor(table.pending, eventBridge.endpoint);
      if (outage !== 'hang') {
        // Still down: the relay tries, fails, keeps every event pending (lease released again).
        const during = await relay.pass();
        expect(during).toMatchObject({ published: 0, failed: orders.length, pending_after: orders.length });
        expect(eventBridge.delivered).toEqual([]);
        for (const order of orders) expect((await pendingOf(order))?.lease_until).toBe(0);
      }

      recover();
      const first = await relay.pass();
      expect(first).toMatchObject({ published: orders.length, failed: 0, pending_after: 0 });
      expect(first.oldest_pending_since).toBeNull();
      expect(new Set(eventBridge.deliveriesById().keys())).toEqual(expectedIds);
      expect([...eventBridge.deliveriesById().values()].every((count) => count === 1)).toBe(true);
      for (const detail of eventBridge.delivered) {
        const order = orders.find((candidate) => candidate.order_handle === detail.order_handle);
        expect(detail).toMatchObject({ account_id: ACCOUNT, status: 'completed', worker_handle: 'James' });
        expect(detail.completed_at).toBe(responses[orders.indexOf(order!)]?.body.completed_at);
      }
      for (const order of orders) {
        const stored = await mustGetItem(table.client, order, table.name);
        for (const attribute of ['pending_event', 'pending_shard', 'pending_since'])
          expect(Object.hasOwn(stored, attribute)).toBe(false);
      }

      const second = await relay.pass();
      expect(second).toMatchObject({ seen: 0, published: 0, failed: 0, pending_after: 0 });
      expect(eventBridge.delivered).toHaveLength(orders.length);
    },
    120_000,
  );
});

describe('relay batches', () => {
  test('23 pending events: PutEvents calls of at most 10 entries; only refused entries are sent again; each delivered once', async () => {
    table = await freshTable('relay-batch');
    const orders = await seedOrders('batch', 23);
    const api = apiFor(table.store, eventBridge.endpoint);
    eventBridge.fault = 'error500';
    await Promise.all(orders.map((order) => api.complete(order.order_handle)));
    recover();
    eventBridge.callSizes.length = 0;
    eventBridge.calls.length = 0;

    // EventBridge refuses 5 chosen entries the first time it sees them.
    const pending = await Promise.all(orders.map(async (order) => (await pendingOf(order))!.event_id));
    const flaky = new Set(pending.slice(0, 5));
    const refusedOnce = new Set<string>();
    eventBridge.failEntry = (detail) => {
      const id = String(detail.event_id);
      if (!flaky.has(id) || refusedOnce.has(id)) return false;
      refusedOnce.add(id);
      return true;
    };

    const report = await relayFor(table.pending, eventBridge.endpoint).pass();

    expect(report).toMatchObject({ seen: 23, published: 23, failed: 0, pending_after: 0 });
    expect(Math.max(...eventBridge.callSizes)).toBeLessThanOrEqual(10);
    expect(eventBridge.callSizes.reduce((sum, size) => sum + size, 0)).toBe(23 + 5);
    // Once accepted, an entry is never sent again: every retry call holds only refused entries.
    const sentIds = eventBridge.calls.map((call) =>
      ((call.body.Entries ?? []) as { Detail: string }[]).map((entry) =>
        String((JSON.parse(entry.Detail) as { event_id: unknown }).event_id),
      ),
    );
    const seen = new Map<string, number>();
    for (const ids of sentIds) for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const [id, count] of seen) expect(count).toBe(flaky.has(id) ? 2 : 1);
    expect([...eventBridge.deliveriesById().values()]).toEqual(Array(23).fill(1));
  });

  test('an entry EventBridge keeps refusing: bounded retries, reported failed, released for the next pass', async () => {
    table = await freshTable('relay-refused');
    const [order] = await seedOrders('refused', 1);
    const api = apiFor(table.store, eventBridge.endpoint);
    eventBridge.failEntry = () => true;
    await api.complete(order!.order_handle);
    eventBridge.callSizes.length = 0;

    const relay = relayFor(table.pending, eventBridge.endpoint);
    const report = await relay.pass();

    expect(report).toMatchObject({ published: 0, failed: 1, pending_after: 1 });
    expect(eventBridge.callSizes).toEqual([1, 1, 1]); // the first call and two retries, then it gives up
    expect(relay.warnings.warnings[0]).toMatchObject({
      message: 'relay could not publish OrderCompleted; retried next pass',
      details: { reason: 'InternalFailure injected entry failure' },
    });
    expect((await pendingOf(order!))?.lease_until).toBe(0);

    recover();
    expect(await relay.pass()).toMatchObject({ published: 1, pending_after: 0 });
    expect(eventBridge.delivered).toHaveLength(1);
  });
});

describe('the relay and the request path share the lease', () => {
  test('while a request still publishes (live lease) the relay leaves its event alone; after the request gave up, one pass delivers it once', async () => {
    table = await freshTable('relay-lease');
    const [order] = await seedOrders('lease', 1);
    const api = apiFor(table.store, eventBridge.endpoint, { publishTimeoutMs: 1_500 });
    eventBridge.fault = 'hang';

    const request = api.complete(order!.order_handle);
    while (eventBridge.calls.length === 0) await sleep(10);
    const relay = relayFor(table.pending, eventBridge.endpoint);
    const during = await relay.pass();

    expect(during).toMatchObject({ seen: 1, leased: 1, published: 0, failed: 0, pending_after: 1 });
    expect(eventBridge.calls).toHaveLength(1); // the relay did not call EventBridge at all

    const response = await request;
    expect(response.statusCode).toBe(200);
    recover();
    expect(await relay.pass()).toMatchObject({ published: 1, pending_after: 0 });
    expect([...eventBridge.deliveriesById().values()]).toEqual([1]);
  });

  test('an event whose publisher died keeps its lease until it runs out; then the relay claims and delivers it', async () => {
    table = await freshTable('relay-dead');
    const completedAt = new Date('2025-05-01T10:00:00.000Z');
    const order = anOrder({
      order_handle: uniqueHandle('dead-publisher'),
      status: 'completed',
      completed_at: completedAt.toISOString(),
    });
    const eventId = orderCompletedEventId(orderKey(order), completedAt.toISOString());
    const leaseUntil = completedAt.getTime() + 10_000;
    // As the completing write leaves it when the process dies before publishing.
    await putRawItem(
      table.client,
      {
        ...toItem(order),
        pending_event: { event_id: eventId, since: completedAt.toISOString(), lease_until: leaseUntil },
        pending_shard: pendingShard(eventId),
        pending_since: completedAt.toISOString(),
      },
      table.name,
    );
    const clock = new ManualClock(completedAt.getTime() + 5_000);
    const relay = relayFor(table.pending, eventBridge.endpoint, { now: clock.now });

    const early = await relay.pass();
    expect(early).toMatchObject({ leased: 1, published: 0, pending_after: 1, oldest_pending_age_seconds: 5 });

    clock.advance(5_000); // exactly at lease_until: the lease is over
    const late = await relay.pass();
    expect(late).toMatchObject({ published: 1, pending_after: 0 });
    expect(eventBridge.delivered.map((detail) => detail.event_id)).toEqual([eventId]);
  });
});

describe('the pending-events shard count changes with events pending (config PENDING_SHARDS)', () => {
  test.each<[string, number, number]>([
    ['raised 8 -> 64', 8, 64],
    ['lowered 64 -> 2', 64, 2],
  ])('%s: the relay still delivers each pending event once', async (_label, before, after) => {
    table = await freshTable('shards');
    const orders = await seedOrders('shards', 24);
    const [early, late] = [orders.slice(0, 12), orders.slice(12)];
    // EventBridge down: every completion stays pending, written with the count of its time.
    stage('error500');
    const withCount = (shards: number) =>
      apiFor(new DynamoDbOrderStore(table.client, table.name, shards), eventBridge.endpoint, { publishTimeoutMs: 800 });
    for (const order of early) expect((await withCount(before).complete(order.order_handle)).statusCode).toBe(200);
    for (const order of late) expect((await withCount(after).complete(order.order_handle)).statusCode).toBe(200);

    const shards = new Set<string>();
    for (const order of orders) shards.add(String((await mustGetItem(table.client, order, table.name)).pending_shard));
    // The events really sit in shards only one of the two counts writes to.
    const beyond = (count: number) => [...shards].filter((shard) => Number(shard.split('#')[1]) >= count);
    expect(beyond(Math.min(before, after)).length).toBeGreaterThan(0);

    recover();
    const relay = relayFor(table.pending, eventBridge.endpoint);
    const first = await relay.pass();
    expect(first).toMatchObject({ published: orders.length, failed: 0, pending_after: 0 });
    const deliveries = eventBridge.deliveriesById();
    expect(deliveries.size).toBe(orders.length);
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
    expect(await relay.pass()).toMatchObject({ published: 0, pending_after: 0 });
    expect(eventBridge.delivered).toHaveLength(orders.length);
  });

  test('a count outside 1..64 is refused where the store is built (and by config)', () => {
    const client = createDocumentClient({ region: 'us-east-1', endpoint: endpoint() });
    expect(() => new DynamoDbOrderStore(client, 't', 0)).toThrow(RangeError);
    expect(() => new DynamoDbOrderStore(client, 't', MAX_PENDING_SHARDS + 1)).toThrow(RangeError);
    expect(() => new DynamoDbOrderStore(client, 't', MAX_PENDING_SHARDS)).not.toThrow();
    client.destroy();
    const env = {
      ORDERS_TABLE_NAME: 'orders',
      EVENT_BUS_NAME: 'b',
      EVENT_SOURCE: 's',
      ACCOUNTS_TABLE_NAME: 'accounts',
    };
    expect(loadConfig(env).PENDING_SHARDS).toBe(8);
    expect(loadConfig({ ...env, PENDING_SHARDS: '64' }).PENDING_SHARDS).toBe(64);
    expect(() => loadConfig({ ...env, PENDING_SHARDS: '65' })).toThrow(/PENDING_SHARDS/);
  });
});

describe('the concurrent relay (several loops over the shards, several PutEvents in flight)', () => {
  /** `count` completed orders whose events are pending with their leases run out, as an outage leaves them. */
  const seedBacklog = async (label: string, count: number) => {
    const since = Date.now() - 60_000;
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const completedAt = new Date(since + i).toISOString();
        const order = anOrder({ order_handle: uniqueHandle(label), status: 'completed', completed_at: completedAt });
        const eventId = orderCompletedEventId(orderKey(order), completedAt);
        ids.push(eventId);
        await putRawItem(
          table.client,
          {
            ...toItem(order),
            pending_event: { event_id: eventId, since: completedAt, lease_until: 0 },
            pending_shard: pendingShard(eventId),
            pending_since: completedAt,
          },
          table.name,
        );
      }),
    );
    return new Set(ids);
  };
  const LIMITS = { maxInFlight: 4, perSecond: 1_000 };

  test('drains a backlog bigger than a page in one pass, PutEvents calls of at most 10 overlapping; each event once', async () => {
    table = await freshTable('relay-concurrent');
    const ids = await seedBacklog('drain', 130);
    eventBridge.latencyMs = 30; // so that calls overlap if the relay sends them concurrently
    const relay = relayFor(table.pending, eventBridge.endpoint, { workers: 4, pageSize: 20, limits: LIMITS });

    const report = await relay.pass();

    expect(report).toMatchObject({ published: 130, failed: 0, pending_after: 0, stopped_early: false });
    expect(new Set(eventBridge.deliveriesById().keys())).toEqual(ids);
    expect([...eventBridge.deliveriesById().values()].every((count) => count === 1)).toBe(true);
    expect(Math.max(...eventBridge.callSizes)).toBeLessThanOrEqual(10);
    expect(eventBridge.maxInFlight).toBeGreaterThan(1);
    expect(eventBridge.maxInFlight).toBeLessThanOrEqual(LIMITS.maxInFlight);
  });

  test('two relays at once, each with several loops: every event published exactly once, by one of them', async () => {
    table = await freshTable('relay-two');
    const ids = await seedBacklog('two', 150);
    eventBridge.latencyMs = 10;
    const options = { workers: 3, pageSize: 20, limits: LIMITS };
    const [a, b] = [
      relayFor(table.pending, eventBridge.endpoint, options),
      relayFor(table.pending, eventBridge.endpoint, options),
    ];

    const [first, second] = await Promise.all([a.pass(), b.pass()]);

    expect(first.published + second.published).toBe(150);
    expect(first.failed + second.failed).toBe(0);
    expect(new Set(eventBridge.deliveriesById().keys())).toEqual(ids);
    expect([...eventBridge.deliveriesById().values()].every((count) => count === 1)).toBe(true);
    expect(await a.pass()).toMatchObject({ published: 0, pending_after: 0 });
  });

  test('a relay dies mid-pass holding leases: another relay leaves them until they run out, then delivers each remaining event once', async () => {
    table = await freshTable('relay-died');
    const ids = await seedBacklog('died', 60);
    const clock = new ManualClock();
    // The first PutEvents batch goes through; then the process "dies": its later publishes never return, so the
    // leases it took stay held (never released) and nothing of them reaches EventBridge.
    let batches = 0;
    const dying = relayFor(table.pending, eventBridge.endpoint, {
      workers: 2,
      pageSize: 10,
      limits: LIMITS,
      now: clock.now,
      leaseMs: 30_000,
      publisher: (real) => ({
        publish: (detail, options) => real.publish(detail, options),
        publishBatch: (details) => {
          batches += 1;
          return batches === 1 ? real.publishBatch(details) : new Promise(() => undefined);
        },
      }),
    });
    void dying.pass();
    while (batches < 2 || eventBridge.delivered.length < 10) await sleep(10);
    await sleep(200); // its first page settled
    const deliveredByDead = new Set(eventBridge.deliveriesById().keys());
    expect(deliveredByDead.size).toBe(10);

    const other = relayFor(table.pending, eventBridge.endpoint, {
      workers: 4,
      pageSize: 10,
      limits: LIMITS,
      now: clock.now,
    });
    const early = await other.pass();
    // The dead relay's leased events (a page per loop) are still live: left alone, all else published.
    expect(early.pending_after).toBeGreaterThanOrEqual(10);
    expect(early.leased).toBeGreaterThanOrEqual(early.pending_after);
    expect(early.published).toBe(60 - 10 - early.pending_after);

    clock.advance(30_000); // they ran out
    const late = await other.pass();
    expect(late).toMatchObject({ published: early.pending_after, failed: 0, pending_after: 0 });
    expect(new Set(eventBridge.deliveriesById().keys())).toEqual(ids);
    expect([...eventBridge.deliveriesById().values()].every((count) => count === 1)).toBe(true);
  });
});
