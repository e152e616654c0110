import { afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  counterSink,
  createMetrics,
  loadTracing,
  isTracingEnabled,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../../adapters/observability';
import { DependencyTimings } from '../../../adapters/dependency-timings';
import type { CompleteOrderDeps } from '../../../domain/complete-order';
import { createCredential } from '../../../domain/credentials';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import type * as CompleteOrderModule from '../../../handlers/complete-order';
import { InMemoryCredentialStore, InMemoryOrderStore } from '../support/fakes';
import { ManualClock, RecordingPublisher, makeDeps } from '../../support/fakes';
import { apiEvent, basicAuthorization, lambdaContext } from '../support/http';
import { captureOutput } from '../support/output';

/**
 * Logs and metrics as they leave the function: stdout is captured and parsed line by line, the way CloudWatch
 * Logs and the EMF extraction see it.
 */
let createCompleteOrderHandler: typeof CompleteOrderModule.createCompleteOrderHandler;
beforeAll(async () => {
  ({ createCompleteOrderHandler } = await import('../../../handlers/complete-order'));
});

const ACCOUNT = 'acct-obs';
const SECRET = 'Obs-secret-7c1d9e2f4a';
const REQUEST_ID = 'apigw-request-7f3a';
const START = Date.parse('2025-03-01T12:00:00.000Z');

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  service?: string;
  [metric: string]: unknown;
}

let output: string[];
let store: InMemoryOrderStore;
let publisher: RecordingPublisher;
let deps: CompleteOrderDeps;
let credentials: InMemoryCredentialStore;
let timings: DependencyTimings;
const savedEnv = { ...process.env };

beforeEach(() => {
  output = [];
  captureOutput(output);
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  store = new InMemoryOrderStore();
  timings = new DependencyTimings();
  publisher = new RecordingPublisher();
  credentials = new InMemoryCredentialStore({ [ACCOUNT]: createCredential(SECRET) });
  ({ deps } = makeDeps(store, { publisher, now: new ManualClock(START).now }));
  for (const [handle, status] of [
    ['order-ongoing', 'ongoing'],
    ['order-cancelled', 'cancelled'],
  ] as const) {
    store.put(ACCOUNT, {
      order_handle: handle,
      type: 'drop',
      type_index: 0,
      fulfillment_attempt: 0,
      status,
      route_handle: 'route-1',
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
  // Put the environment back key by key (replacing process.env itself would change it for later test files).
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

/** A handler wired as in production: INFO logs and EMF metrics to stdout, dependency timings on the EMF record. */
const invoke = async (
  event: APIGatewayProxyEventV2,
  context: Context = lambdaContext(),
): Promise<APIGatewayProxyStructuredResultV2> => {
  const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: 'INFO' });
  const metrics = createMetrics();
  const counting = { ...deps, counters: counterSink(metrics) };
  const handler = createCompleteOrderHandler(counting, credentials, logger, { metrics, timings });
  return handler(event, context as AuthenticatedContext);
};

const request = (handle: string, overrides: Partial<APIGatewayProxyEventV2> = {}) =>
  apiEvent({
    pathParameters: { order_handle: handle },
    ...overrides,
    headers: { authorization: basicAuthorization(ACCOUNT, SECRET), ...overrides.headers },
    requestContext: { ...apiEvent().requestContext, requestId: REQUEST_ID },
  });

const jsonLines = (): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const emf = (): EmfDocument[] => jsonLines().filter((line): line is EmfDocument => '_aws' in line);
const logLines = () => jsonLines().filter((line) => !('_aws' in line));
const metricNames = () =>
  emf().flatMap((doc) => doc._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)));

describe('logs', () => {
  test('a completion writes one line: its EMF record, with the facts, request id and correlation id', async () => {
    const context = lambdaContext();
    const response = await invoke(request('order-ongoing'), context);
    expect(response.statusCode).toBe(200);
    expect(jsonLines()).toHaveLength(1);
    expect(output.join('').trim().split('\n')).toHaveLength(1);
    expect(emf()[0]).toMatchObject({
      OrdersCompleted: 1,
      message: 'order completed',
      function_request_id: context.awsRequestId,
      correlation_id: REQUEST_ID,
      account_id: ACCOUNT,
      order_type: 'drop',
      type_index: '0',
      fulfillment_attempt: '0',
    });
  });

  test('the EMF record says how long each dependency took (milliseconds, per request)', async () => {
    // As the timed SDK clients do (adapters/dependency-timings.ts), across two calls to the table.
    const findRecords = store.findRecords.bind(store);
    const spy = jest.spyOn(store, 'findRecords').mockImplementation(async (...args) => {
      timings.add('ordersTable', 12.34);
      timings.add('ordersTable', 0.5);
      return findRecords(...args);
    });
    publisher.onPublish = () => timings.add('eventBus', 3.21);
    expect((await invoke(request('order-ongoing'))).statusCode).toBe(200);
    const [doc] = emf();
    expect(doc).toMatchObject({ OrdersTableLatency: 12.8, EventBusLatency: 3.2 });
    expect(doc?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'OrdersTableLatency', Unit: 'Milliseconds' },
        { Name: 'EventBusLatency', Unit: 'Milliseconds' },
      ]),
    );
    // The next request starts from zero.
    output.length = 0;
    spy.mockRestore();
    publisher.onPublish = undefined;
    await invoke(request('order-ongoing'));
    expect(metricNames()).not.toContain('OrdersTableLatency');
  });

  test('with metrics off, the completion is an INFO line with the request id, correlation id and cold start flag', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const context = lambdaContext();
    const response = await invoke(request('order-ongoing'), context);
    expect(response.statusCode).toBe(200);
    expect(jsonLines()).toHaveLength(1);
    const completed = logLines().find((line) => line.message === 'order completed');
    expect(completed).toMatchObject({
      level: 'INFO',
      service: SERVICE_NAME,
      function_request_id: context.awsRequestId,
      correlation_id: REQUEST_ID,
      account_id: ACCOUNT,
    });
    expect(typeof completed?.cold_start).toBe('boolean');
  });

  test('a replay with nothing to count is an INFO line too (never no record)', async () => {
    await invoke(request('order-ongoing'));
    output.length = 0;
    expect((await invoke(request('order-ongoing'))).statusCode).toBe(200);
    expect(jsonLines()).toHaveLength(1);
    expect(logLines()[0]).toMatchObject({ message: 'order already completed', correlation_id: REQUEST_ID });
  });

  test.each([
    ['a completion', SECRET],
    ['a wrong secret (401)', 'Wrong-secret-0000'],
  ])('no line carries the secret or the Authorization header: %s', async (_label, secret) => {
    const authorization = basicAuthorization(ACCOUNT, secret);
    await invoke(request('order-ongoing', { headers: { authorization } }));
    // A 500 logs the error: make one happen too, with the same header.
    store.failures.complete = new Error('boom');
    await invoke(request('order-ongoing', { headers: { authorization } }));
    const everything = output.join('');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(authorization.slice('Basic '.length));
    // The completion (its EMF record) and the 500 are written; a 401 is answered without a line.
    expect(jsonLines().length).toBeGreaterThan(secret === SECRET ? 1 : -1);
  });
});

describe('metrics (EMF on stdout)', () => {
  test('a completion emits OrdersCompleted = 1 in namespace OrdersComplete, service dimension', async () => {
    await invoke(request('order-ongoing'));
    const [doc, ...others] = emf();
    expect(others).toHaveLength(0);
    expect(doc?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service']],
      Metrics: [{ Name: 'OrdersCompleted', Unit: 'Count' }],
    });
    expect(doc).toMatchObject({ service: SERVICE_NAME, OrdersCompleted: 1 });
  });

  test('completing a completed order again counts no completion', async () => {
    await invoke(request('order-ongoing'));
    output.length = 0;
    expect((await invoke(request('order-ongoing'))).statusCode).toBe(200);
    expect(metricNames()).not.toContain('OrdersCompleted');
  });

  test('409 counts CompletionConflicts', async () => {
    expect((await invoke(request('order-cancelled'))).statusCode).toBe(409);
    expect(metricNames()).toEqual(['CompletionConflicts']);
  });

  test.each<[string, Partial<APIGatewayProxyEventV2>, number]>([
    ['422 bad query', { rawQueryString: 'type=boat' }, 422],
    ['415 not JSON', { body: 'x', headers: { 'content-type': 'text/plain' } }, 415],
    ['413 too large', { body: 'x'.repeat(16 * 1024 + 1), headers: { 'content-type': 'application/json' } }, 413],
  ])('%s counts ValidationFailures', async (_label, overrides, status) => {
    expect((await invoke(request('order-ongoing', overrides))).statusCode).toBe(status);
    expect(metricNames()).toEqual(['ValidationFailures']);
  });

  test('a failed publish counts PublishFailures (and the completion that happened)', async () => {
    publisher.failing();
    const response = await invoke(request('order-ongoing'));
    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    expect(metricNames().sort()).toEqual(['OrdersCompleted', 'PublishFailures']);
  });

  test('401 and 404 count nothing', async () => {
    expect(
      (await invoke(request('order-ongoing', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }))).statusCode,
    ).toBe(401);
    expect((await invoke(request('order-missing'))).statusCode).toBe(404);
    expect(metricNames()).toEqual([]);
  });

  test('POWERTOOLS_METRICS_DISABLED=true emits no EMF', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    expect((await invoke(request('order-ongoing'))).statusCode).toBe(200);
    expect(emf()).toEqual([]);
  });
});

describe('tracing switch', () => {
  test.each<[string, boolean, NodeJS.ProcessEnv]>([
    ['outside Lambda', false, {}],
    ['in Lambda', true, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' }],
    [
      'in Lambda, POWERTOOLS_TRACE_ENABLED=false',
      false,
      { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' },
    ],
    ['SAM local', false, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_SAM_LOCAL: 'true' }],
  ])('%s: tracing on = %s (the Tracer is loaded only then)', async (_label, enabled, env) => {
    expect(isTracingEnabled(env)).toBe(enabled);
    expect((await loadTracing(env)) !== undefined).toBe(enabled);
  });

  test('an enabled tracer is Powertools’ own, tracing on, with its middy middleware', async () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    const tracing = await loadTracing();
    expect(tracing?.tracer.isTracingEnabled()).toBe(true);
    expect(typeof tracing?.captureLambdaHandler(tracing.tracer, { captureResponse: false }).before).toBe('function');
  });
});
