import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { anOrder, endpoint, mustGetItem, orderKey, uniqueHandle } from '../support/dynamo';
import { FakeEventBridge, FaultyDynamoDbProxy, type Fault } from '../../../scripts/local/fakes/aws-endpoints';
import { ManualClock } from '../../support/fakes';
import { freePort } from '../../../scripts/local/fakes/free-port';
import { localCredentials } from '../support/credentials';
import { apiFor, relayFor } from '../support/real-service';
import { freshTable, REGION, type Table } from '../support/fresh-table';

/**
 * DynamoDB faults (orders and accounts tables), through the whole complete-order Lambda with the service's real SDK
 * clients and budgets: every fault answers 503 with Retry-After and writes nothing, or (a write that happened
 * but whose answer was lost) leaves the whole completion, never a part of it.
 */
const eventBridge = new FakeEventBridge();
let proxy: FaultyDynamoDbProxy;
let table: Table;
beforeAll(async () => {
  await eventBridge.start();
  proxy = await new FaultyDynamoDbProxy(endpoint()).start();
  table = await freshTable('faults');
});
afterAll(async () => {
  await table.drop();
  await proxy.stop();
  await eventBridge.stop();
});
afterEach(() => {
  eventBridge.reset();
  proxy.fault = 'none';
  proxy.calls.length = 0;
  for (const operation of Object.keys(proxy.faults)) delete proxy.faults[operation];
});

/** The store as the Lambda builds it, but reaching DynamoDB Local through the fault proxy. */
const storeThrough = (dynamodbEndpoint: string) =>
  new DynamoDbOrderStore(createDocumentClient({ region: REGION, endpoint: dynamodbEndpoint }), table.name);

const seed = async (label: string) => {
  const order = anOrder({ order_handle: uniqueHandle(label), status: 'dispatched' });
  await table.seeder.putOrders([order]);
  return { order, before: await mustGetItem(table.client, order, table.name) };
};

const expect503 = (response: { statusCode: number; headers: Record<string, unknown>; body: unknown }) => {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
  expect(response.body).toEqual({ message: expect.any(String), detail: {} });
};

describe('DynamoDB throttled or unreachable: 503 with Retry-After, nothing written', () => {
  test.each<[string, string, Fault]>([
    ['the lookup (Query) is throttled', 'Query', 'throttle'],
    ['the completing write (UpdateItem) is throttled', 'UpdateItem', 'throttle'],
    ['the completing write fails with a server error', 'UpdateItem', 'error500'],
  ])('%s', async (_label, operation, fault) => {
    const { order, before } = await seed('ddb-fault');
    proxy.faults[operation] = fault;
    const api = apiFor(storeThrough(proxy.endpoint), eventBridge.endpoint);

    const response = await api.complete(order.order_handle);

    expect503(response);
    expect(await mustGetItem(table.client, order, table.name)).toEqual(before);
    expect(eventBridge.calls).toEqual([]);
    // The SDK retried (standard mode, 3 attempts) before giving up.
    expect(proxy.calls.filter((call) => call.target.endsWith(`.${operation}`))).toHaveLength(3);
  });

  test('DynamoDB unreachable (nothing listens on its port)', async () => {
    const { order, before } = await seed('ddb-closed');
    const api = apiFor(storeThrough(`http://127.0.0.1:${await freePort()}`), eventBridge.endpoint);

    const started = Date.now();
    const response = await api.complete(order.order_handle);

    expect503(response);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await mustGetItem(table.client, order, table.name)).toEqual(before);
  });
});

describe('DynamoDB never answers: 503 before the Lambda timeout, far inside API Gateway’s 30 s', () => {
  test('lookup hangs, write hangs, write applied but its answer lost: each answers 503 within the 10 s Lambda timeout', async () => {
    const hangingQuery = new FaultyDynamoDbProxy(endpoint());
    const hangingWrite = new FaultyDynamoDbProxy(endpoint());
    const lostAnswer = new FaultyDynamoDbProxy(endpoint());
    await Promise.all([hangingQuery.start(), hangingWrite.start(), lostAnswer.start()]);
    hangingQuery.faults.Query = 'hang';
    hangingWrite.faults.UpdateItem = 'hang';
    lostAnswer.faults.UpdateItem = 'forward-then-hang';
    const [a, b, c] = await Promise.all([seed('ddb-hang-q'), seed('ddb-hang-u'), seed('ddb-lost')]);
    try {
      const timed = async (proxyFor: FaultyDynamoDbProxy, handle: string) => {
        const started = Date.now();
        // 10 s: the provider timeout in serverless.yml, as the Lambda context reports it.
        const response = await apiFor(storeThrough(proxyFor.endpoint), eventBridge.endpoint).complete(handle, 10_000);
        return { response, ms: Date.now() - started };
      };
      const results = await Promise.all([
        timed(hangingQuery, a.order.order_handle),
        timed(hangingWrite, b.order.order_handle),
        timed(lostAnswer, c.order.order_handle),
      ]);
      for (const { response, ms } of results) {
        expect503(response);
        expect(ms).toBeGreaterThan(5_500); // it did wait for DynamoDB (3 attempts of 2 s)...
        expect(ms).toBeLessThan(9_500); // ...and answered before the Lambda timeout (10 s)
      }
      process.stdout.write(`worst-case answer times, DynamoDB hanging: ${results.map((r) => r.ms).join(' ms, ')} ms\n`);

      expect(await mustGetItem(table.client, a.order, table.name)).toEqual(a.before);
      expect(await mustGetItem(table.client, b.order, table.name)).toEqual(b.before);

      // The write that went through is the whole completion (one conditional UpdateItem), event pending.
      const lost = await mustGetItem(table.client, c.order, table.name);
      expect(lost.status).toBe('completed');
      expect((lost.timeline as { type: string }[]).filter((event) => event.type === 'order_completed')).toHaveLength(1);
      const eventId = orderCompletedEventId(orderKey(c.order), lost.completed_at as string);
      expect(lost.pending_event).toMatchObject({ event_id: eventId });
      // The caller's retry answers 200 with that completion; the relay delivers its event once the lease ran out.
      const retry = await apiFor(table.store, eventBridge.endpoint).complete(c.order.order_handle);
      expect(retry.statusCode).toBe(200);
      expect(retry.body.completed_at).toBe(lost.completed_at);
      const clock = new ManualClock(Date.now() + 10_000);
      await relayFor(table.pending, eventBridge.endpoint, { now: clock.now }).pass();
      expect(eventBridge.deliveriesById().get(eventId)).toBe(1);
    } finally {
      await Promise.all([hangingQuery.stop(), hangingWrite.stop(), lostAnswer.stop()]);
    }
  }, 90_000);
});

describe('Accounts table unreachable: 503, never 200, never a cached allow past its expiry', () => {
  test.each<[string, Fault]>([
    ['server errors', 'error500'],
    ['throttling', 'throttle'],
  ])(
    '%s: 503 at once when nothing is cached; after a success, 200 until the cache expires, then 503',
    async (_label, fault) => {
      const clock = new ManualClock();
      // The credential store as the Lambda builds it, reaching the accounts table through the fault proxy.
      const credentials = localCredentials({
        dynamodbEndpoint: proxy.endpoint,
        ttlMs: 1_000,
        now: () => clock.epochMs,
      });
      const api = apiFor(table.store, eventBridge.endpoint, { credentials });
      const { order: first, before } = await seed('acct-down');

      proxy.faults.GetItem = fault;
      expect503(await api.complete(first.order_handle));
      expect(await mustGetItem(table.client, first, table.name)).toEqual(before);

      delete proxy.faults.GetItem;
      expect((await api.complete(first.order_handle)).statusCode).toBe(200);

      // Down again: the cached account still serves until its expiry...
      proxy.faults.GetItem = fault;
      const { order: second } = await seed('acct-cached');
      clock.advance(999);
      expect((await api.complete(second.order_handle)).statusCode).toBe(200);
      // ...and never after it.
      const { order: third, before: thirdBefore } = await seed('acct-expired');
      clock.advance(1);
      expect503(await api.complete(third.order_handle));
      expect(await mustGetItem(table.client, third, table.name)).toEqual(thirdBefore);
    },
  );

  test('unreachable (closed port) or never answering: 503, within the Lambda timeout', async () => {
    const hanging = await new FaultyDynamoDbProxy(endpoint()).start();
    hanging.faults.GetItem = 'hang';
    try {
      const { order, before } = await seed('acct-unreachable');
      const closed = apiFor(table.store, eventBridge.endpoint, {
        credentials: localCredentials({ dynamodbEndpoint: `http://127.0.0.1:${await freePort()}` }),
      });
      const never = apiFor(table.store, eventBridge.endpoint, {
        credentials: localCredentials({ dynamodbEndpoint: hanging.endpoint }),
      });

      const started = Date.now();
      const [closedResponse, neverResponse] = await Promise.all([
        closed.complete(order.order_handle, 10_000),
        never.complete(order.order_handle, 10_000),
      ]);
      const ms = Date.now() - started;

      expect503(closedResponse);
      expect503(neverResponse);
      expect(ms).toBeLessThan(10_000);
      process.stdout.write(`worst-case answer time, accounts table hanging: ${ms} ms\n`);
      expect(await mustGetItem(table.client, order, table.name)).toEqual(before);
    } finally {
      await hanging.stop();
    }
  }, 90_000);
});

describe('EventBridge never answers: the completion still answers 200, within the request path’s publish budget', () => {
  test('2 s (PUBLISH_TIMEOUT_MS default) after the write, 200; the event is pending for the relay', async () => {
    const { order } = await seed('eb-hang');
    eventBridge.fault = 'hang';
    const api = apiFor(table.store, eventBridge.endpoint); // the default 2 s budget, the SDK's own clients

    const started = Date.now();
    const response = await api.complete(order.order_handle, 10_000);
    const ms = Date.now() - started;

    expect(response.statusCode).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(2_000);
    expect(ms).toBeLessThan(3_500);
    process.stdout.write(`answer time, EventBridge hanging: ${ms} ms\n`);
    expect((await mustGetItem(table.client, order, table.name)).pending_event).toMatchObject({ lease_until: 0 });
  });
});
