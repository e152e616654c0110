import { afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { counterSink } from '../../../adapters/observability';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { CompleteOrderDeps } from '../../../domain/complete-order';
import { createCredential } from '../../../domain/credentials';
import { DependencyUnavailable } from '../../../domain/errors';
import type { OrderKey } from '../../../domain/order-fields';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { InMemoryCredentialStore, InMemoryOrderStore, type SeedOrder } from '../support/fakes';
import { ManualClock, RecordingPublisher, makeDeps } from '../../support/fakes';
import type * as CompleteOrderModule from '../../../handlers/complete-order';
import { apiEvent, basicAuthorization, lambdaContext, parseBody } from '../support/http';
import { captureOutput } from '../support/output';

// Loaded in beforeAll so test/unit/setup-env.ts has set the config the module reads at load time.
let createCompleteOrderHandler: typeof CompleteOrderModule.createCompleteOrderHandler;
beforeAll(async () => {
  ({ createCompleteOrderHandler } = await import('../../../handlers/complete-order'));
});

const ACCOUNT = 'acct-1';
const OTHER_ACCOUNT = 'acct-2';
const SECRET = 'S3cret-value-4f1c9e7a';
const OTHER_SECRET = 'Other-secret-0b8d2c55';
const START = Date.parse('2025-03-01T12:00:00.000Z');
const HANDLE = 'order-1';

const key: OrderKey = {
  account_id: ACCOUNT,
  order_handle: HANDLE,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
};
const seed = (overrides: Partial<SeedOrder> = {}): SeedOrder => ({
  order_handle: HANDLE,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'ongoing',
  route_handle: 'route-1',
  ...overrides,
});

let store: InMemoryOrderStore;
let publisher: RecordingPublisher;
let credentials: InMemoryCredentialStore;
let deps: CompleteOrderDeps;

beforeEach(() => {
  store = new InMemoryOrderStore();
  publisher = new RecordingPublisher();
  credentials = new InMemoryCredentialStore({
    [ACCOUNT]: createCredential(SECRET),
    [OTHER_ACCOUNT]: createCredential(OTHER_SECRET),
  });
  ({ deps } = makeDeps(store, { publisher, now: new ManualClock(START).now }));
  store.put(ACCOUNT, seed());
});

const silentLogger = (): Logger => new Logger({ serviceName: 'orders-complete-unit', logLevel: 'SILENT' });

const invoke = (
  event: APIGatewayProxyEventV2,
  logger: Logger = silentLogger(),
  context: Context = lambdaContext(),
): Promise<APIGatewayProxyStructuredResultV2> =>
  // account_id is added by the basicAuth middleware; the runtime's context does not carry it.
  createCompleteOrderHandler(deps, credentials, logger)(event, context as AuthenticatedContext);

const request = (
  overrides: Partial<APIGatewayProxyEventV2> = {},
  authorization = basicAuthorization(ACCOUNT, SECRET),
) => apiEvent({ ...overrides, headers: { authorization, ...overrides.headers } });

describe('complete-order handler: authentication', () => {
  test.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['a Bearer token', { authorization: 'Bearer abc.def.ghi' }],
    ['a malformed Basic token', { authorization: 'Basic %%%' }],
    ['a wrong secret', { authorization: basicAuthorization(ACCOUNT, 'wrong') }],
    ['an unknown account', { authorization: basicAuthorization('acct-404', SECRET) }],
    ["another account's secret", { authorization: basicAuthorization(ACCOUNT, OTHER_SECRET) }],
    ['an empty secret', { authorization: basicAuthorization(ACCOUNT, '') }],
  ])('%s -> 401 with WWW-Authenticate; the order store is never called', async (_label, headers) => {
    const response = await invoke(apiEvent({ headers }));
    expect(response.statusCode).toBe(401);
    expect(String(response.headers?.['www-authenticate'])).toMatch(/^Basic realm="orders"/);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(parseBody(response.body)).toEqual({ message: 'Authentication error', detail: {} });
    expect(store.calls).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  test('authentication is checked before the request: an invalid request without credentials is 401', async () => {
    const response = await invoke(
      apiEvent({ rawQueryString: 'type=parcel', body: '{"x":1}', headers: { 'content-type': 'text/plain' } }),
    );
    expect(response.statusCode).toBe(401);
    expect(store.calls).toEqual([]);
  });

  test('the Authorization header is found whatever its case', async () => {
    const response = await invoke(apiEvent({ headers: { Authorization: basicAuthorization(ACCOUNT, SECRET) } }));
    expect(response.statusCode).toBe(200);
  });

  test('a credential store outage -> 503 with retry-after, and the order store is never called', async () => {
    credentials.failure = new DependencyUnavailable('dynamodb');
    const response = await invoke(request());
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(store.calls).toEqual([]);
  });
});

describe('complete-order handler: success', () => {
  test('200 returns the completed order without internal attributes', async () => {
    const response = await invoke(request());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const order = parseBody(response.body) as Record<string, unknown>;
    expect(order).toMatchObject({
      order_handle: HANDLE,
      type: 'drop',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'completed',
      completed_at: new Date(START).toISOString(),
      route_handle: 'route-1',
    });
    for (const internal of ['pk', 'sk', 'account_id', 'pending_event'])
      expect(Object.keys(order)).not.toContain(internal);
    expect(publisher.published).toHaveLength(1);
    expect(store.get(key)?.status).toBe('completed');
  });

  test('completing again answers 200 with the stored order and publishes nothing new', async () => {
    const first = await invoke(request());
    const second = await invoke(request());
    expect(second.statusCode).toBe(200);
    expect(parseBody(second.body)).toEqual(parseBody(first.body));
    expect(publisher.published).toHaveLength(1);
  });

  test('the query selects the record', async () => {
    store.put(ACCOUNT, seed({ type: 'pick', status: 'planned' }));
    const response = await invoke(request({ rawQueryString: 'type=pick' }));
    expect(response.statusCode).toBe(200);
    expect(parseBody(response.body)).toMatchObject({ type: 'pick', status: 'completed' });
    expect(store.get(key)?.status).toBe('ongoing');
  });

  test('a handle with "#", "/", "%" and non-ASCII characters is completed as given', async () => {
    const handle = 'a#b/c%2F-\u{1F69A}-заказ';
    store.put(ACCOUNT, seed({ order_handle: handle }));
    const response = await invoke(request({ pathParameters: { order_handle: handle } }));
    expect(response.statusCode).toBe(200);
    expect(parseBody(response.body)).toMatchObject({ order_handle: handle, status: 'completed' });
    expect(store.get(key)?.status).toBe('ongoing');
  });
});

describe('complete-order handler: refusals write nothing', () => {
  test('a bad query -> 422 and the store is never called', async () => {
    const response = await invoke(request({ rawQueryString: 'type=parcel&fulfilment_attempt=1' }));
    expect(response.statusCode).toBe(422);
    expect(parseBody(response.body)).toEqual({
      message: 'Validation error',
      detail: {
        query: {
          type: ['must be one of: pick, drop'],
          fulfilment_attempt: ['unknown query parameter; expected one of: type, type_index, fulfillment_attempt'],
        },
      },
    });
    expect(store.calls).toEqual([]);
  });

  test('a body with fields -> 422 and the store is never called', async () => {
    const response = await invoke(
      request({ body: '{"status":"completed"}', headers: { 'content-type': 'application/json' } }),
    );
    expect(response.statusCode).toBe(422);
    expect(parseBody(response.body)).toEqual({
      message: 'Validation error',
      detail: { json: { status: ['unknown field'] } },
    });
    expect(store.calls).toEqual([]);
  });

  // Regression: a body field named like an Object.prototype member once crashed field-error collection (500).
  test('a body field named "constructor" -> 422', async () => {
    const response = await invoke(
      request({ body: '{"constructor":1}', headers: { 'content-type': 'application/json' } }),
    );
    expect(response.statusCode).toBe(422);
  });

  test('a non-JSON body -> 415 and the store is never called', async () => {
    const response = await invoke(request({ body: 'complete please', headers: { 'content-type': 'text/plain' } }));
    expect(response.statusCode).toBe(415);
    expect(store.calls).toEqual([]);
  });

  test('an oversized body -> 413 and the store is never called', async () => {
    const response = await invoke(
      request({ body: `{}${' '.repeat(16 * 1024)}`, headers: { 'content-type': 'application/json' } }),
    );
    expect(response.statusCode).toBe(413);
    expect(parseBody(response.body)).toEqual({ message: 'Request body too large', detail: { max_bytes: 16384 } });
    expect(store.calls).toEqual([]);
  });

  test('an ambiguous order -> 422 naming the missing query field, nothing written', async () => {
    store.put(ACCOUNT, seed({ type: 'pick' }));
    const response = await invoke(request());
    expect(response.statusCode).toBe(422);
    expect(parseBody(response.body)).toMatchObject({
      message: 'Validation error',
      detail: { query: { type: [expect.any(String)] } },
    });
    expect(store.callsTo('complete')).toEqual([]);
  });

  test("another account's order -> 404, nothing written", async () => {
    const response = await invoke(request({}, basicAuthorization(OTHER_ACCOUNT, OTHER_SECRET)));
    expect(response.statusCode).toBe(404);
    expect(parseBody(response.body)).toEqual({ message: 'Order not found', detail: {} });
    expect(store.callsTo('complete')).toEqual([]);
    expect(store.get(key)?.status).toBe('ongoing');
  });

  test('a cancelled order -> 409 with its status', async () => {
    store.put(ACCOUNT, seed({ status: 'cancelled' }));
    const response = await invoke(request());
    expect(response.statusCode).toBe(409);
    expect(parseBody(response.body)).toEqual({
      message: 'Order is cancelled and cannot be completed',
      detail: { status: 'cancelled' },
    });
    expect(publisher.published).toEqual([]);
  });
});

describe('complete-order handler: failures', () => {
  test('a failed publish -> 200 with the completed order (the write stands); its event stays pending for the relay', async () => {
    publisher.failure = new DependencyUnavailable('eventbridge');
    const response = await invoke(request());
    expect(response.statusCode).toBe(200);
    expect(parseBody(response.body)).toMatchObject({ status: 'completed', order_handle: HANDLE });
    expect(response.headers?.['retry-after']).toBeUndefined();
    expect(store.get(key)).toMatchObject({ status: 'completed', pending_event: { lease_until: 0 } });
  });

  test('a failed publish counts one PublishFailures metric; a confirmed one counts none', async () => {
    const metrics = new Metrics({ namespace: 'OrdersComplete', serviceName: 'orders-complete' });
    const added = jest.spyOn(metrics, 'addMetric');
    jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = createCompleteOrderHandler(
      { ...deps, counters: counterSink(metrics) },
      credentials,
      silentLogger(),
      { metrics },
    );

    await handler(request(), lambdaContext() as AuthenticatedContext);
    expect(added.mock.calls).toEqual([['OrdersCompleted', 'Count', 1]]);
    added.mockClear();

    store.put(ACCOUNT, seed({ order_handle: 'order-2' }));
    publisher.failure = new DependencyUnavailable('eventbridge');
    const response = await handler(
      request({ pathParameters: { order_handle: 'order-2' } }),
      lambdaContext() as AuthenticatedContext,
    );
    expect(response.statusCode).toBe(200);
    expect(added.mock.calls).toEqual([
      ['OrdersCompleted', 'Count', 1],
      ['PublishFailures', 'Count', 1],
    ]);
    jest.restoreAllMocks();
  });

  test('the publish budget ends before middy answers 503 on its early timeout', async () => {
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 3_000 };
    const response = await invoke(request(), silentLogger(), context);
    expect(response.statusCode).toBe(200);
    // 3 s left - 1 s early timeout - the margin to release the lease and answer.
    expect(publisher.options[0]?.timeoutMs).toBeLessThanOrEqual(3_000 - 1_000 - 500);
  });

  test('dependencies slower than the Lambda time left -> 503 with retry-after before the platform timeout', async () => {
    store.findRecords = () => new Promise(() => undefined); // never answers
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1_020 };
    const response = await invoke(request(), silentLogger(), context);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(publisher.published).toEqual([]);
  });

  test("middy's early 503 aborts the request's store call (its signal reaches the SDK call)", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    store.findRecords = (_account, _handle, _selector, options) => {
      signals.push(options?.signal);
      return new Promise(() => undefined); // never answers
    };
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1_020 };
    const response = await invoke(request(), silentLogger(), context);
    expect(response.statusCode).toBe(503);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });

  test('the publish gets the request signal too, not yet aborted while the request may still answer', async () => {
    const response = await invoke(request());
    expect(response.statusCode).toBe(200);
    expect(publisher.options[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(publisher.options[0]?.signal?.aborted).toBe(false);
  });

  test('an unexpected error -> 500 with a generic body', async () => {
    store.failures.findRecords = new Error('kaboom: table orders-unit schema drift');
    const response = await invoke(request());
    expect(response.statusCode).toBe(500);
    expect(parseBody(response.body)).toEqual({ message: 'Internal server error', detail: {} });
    expect(response.body).not.toContain('kaboom');
  });
});

describe('complete-order handler: logs', () => {
  const written: string[] = [];

  beforeEach(() => {
    written.length = 0;
    captureOutput(written, { console: true });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('never contain the Authorization header or the secret, on 200, 401, 409, 500 and a failed publish', async () => {
    const logger = new Logger({ serviceName: 'orders-complete-unit', logLevel: 'DEBUG' });
    // As adapters/composition-root.ts wires it: the use case's warnings go to the logger.
    deps = { ...deps, warnings: { warn: (message, details) => logger.warn(message, details) } };
    const good = basicAuthorization(ACCOUNT, SECRET);
    const wrong = basicAuthorization(ACCOUNT, OTHER_SECRET);
    const statuses: (number | undefined)[] = [];

    statuses.push((await invoke(request({}, good), logger)).statusCode); // 200
    statuses.push((await invoke(request({}, wrong), logger)).statusCode); // 401
    statuses.push((await invoke(request({}, basicAuthorization('acct-404', SECRET)), logger)).statusCode); // 401
    statuses.push((await invoke(request({ rawQueryString: 'type=bad' }, good), logger)).statusCode); // 422
    store.put(ACCOUNT, seed({ order_handle: 'cancelled-1', status: 'cancelled' }));
    statuses.push(
      (await invoke(request({ pathParameters: { order_handle: 'cancelled-1' } }, good), logger)).statusCode,
    ); // 409
    store.put(ACCOUNT, seed({ order_handle: 'order-2' }));
    publisher.failure = new DependencyUnavailable('eventbridge');
    statuses.push((await invoke(request({ pathParameters: { order_handle: 'order-2' } }, good), logger)).statusCode); // 200, not published
    store.failures.findRecords = new Error('kaboom');
    statuses.push((await invoke(request({}, good), logger)).statusCode); // 500

    expect(statuses).toEqual([200, 401, 401, 422, 409, 200, 500]);

    const logs = written.join('');
    // The capture works: the success, the unpublished event and the 500 were logged, with the Lambda context.
    expect(logs).toContain('order completed');
    expect(logs).toContain('not published');
    expect(logs).toContain('unexpected error');
    expect(logs).toContain('c6af9ac6-7b61-11e6-9a41-93e812345678');

    for (const forbidden of [SECRET, OTHER_SECRET, good, wrong, good.slice(6), wrong.slice(6), 'Basic ']) {
      expect(logs).not.toContain(forbidden);
    }
    expect(logs.toLowerCase()).not.toContain('authorization');
  });
});
