import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import type { paths } from '../../openapi/client';
import { FaultyDynamoDbProxy } from '../../scripts/local/fakes/aws-endpoints';
import {
  baseUrl,
  client,
  deleteOrder,
  dynamodbEndpoint,
  LOCAL,
  localAuth,
  makeOrder,
  seedOrders,
  uniqueHandle,
} from './support/e2e';
import { startLocalStack, stopLocalStack, type LocalStack } from './support/local-stack';

/**
 * The contract, through the generated client: every call below goes through openapi-fetch typed by
 * openapi/client.d.ts (generated from openapi/openapi.json), so a document a generated client cannot use fails
 * type-checking, and every documented status is produced on the running stack. Each answer must be what the
 * document says for its status: the body validates against the documented schema, documented headers are sent,
 * and the error examples are the service's real bodies. The last test checks that no documented status was left
 * out (429 is API Gateway's own throttling, which the local stack does not have).
 */
const root = resolve(__dirname, '..', '..');
const committed = JSON.parse(readFileSync(join(root, 'openapi', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
};

interface DocumentedResponse {
  headers?: Record<string, { required?: boolean; schema: { const?: string } }>;
  content: { 'application/json': { schema: { $ref: string }; examples?: Record<string, { value: unknown }> } };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(committed, 'openapi.json');

/** What openapi-fetch answers, whatever the operation. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

const COMPLETE = 'POST /orders/{order_handle}/complete';
const DOCUMENT = 'GET /openapi.json';
/** Documented statuses no local stack can produce: API Gateway's throttling. */
const GATEWAY_ONLY = ['429'];
const answered = new Set<string>();

const expectDocumented = (operation: string, answer: Answer, exampleName?: string): void => {
  const [method, path] = operation.split(' ') as [string, string];
  const status = String(answer.response.status);
  const documented = committed.paths[path]?.[method.toLowerCase()]?.responses[status];
  const body = answer.response.ok ? answer.data : answer.error;
  if (documented === undefined) throw new Error(`${operation} ${status} is not documented: ${JSON.stringify(body)}`);
  answered.add(`${operation} ${status}`);
  expect(answer.response.headers.get('content-type')).toMatch(/^application\/json\b/);
  const content = documented.content['application/json'];
  const validate = ajv.getSchema(`openapi.json${content.schema.$ref}`);
  if (validate === undefined) throw new Error(`no schema ${content.schema.$ref}`);
  expect({ valid: validate(body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  for (const [header, spec] of Object.entries(documented.headers ?? {})) {
    const value = answer.response.headers.get(header);
    // A required header is on every such answer; an optional one (Content-Encoding: only on a large answer) matches
    // its schema when present.
    if (spec.required === true) expect(value).not.toBeNull();
    if (value !== null && spec.schema.const !== undefined) expect(value).toBe(spec.schema.const);
  }
  if (exampleName !== undefined) expect(body).toEqual(content.examples?.[exampleName]?.value);
};

/** The generated client as a caller builds it: Basic credentials unless `auth` is null. */
const api = (url: string, auth: string | null = localAuth) =>
  createClient<paths>({ baseUrl: url, headers: auth === null ? {} : { authorization: auth } });

interface CompleteOptions {
  query?: paths['/orders/{order_handle}/complete']['post']['parameters']['query'];
  headers?: Record<string, string>;
  /** What goes on the wire instead of the typed `{}` body, or query (for bodies and queries the API refuses). */
  bodySerializer?: () => string;
  querySerializer?: () => string;
}

const completeAt = (url: string, handle: string, options: CompleteOptions = {}, auth?: string | null) =>
  api(url, auth).POST('/orders/{order_handle}/complete', {
    params: { path: { order_handle: handle }, query: options.query },
    body: {},
    headers: options.headers,
    bodySerializer: options.bodySerializer,
    querySerializer: options.querySerializer,
  });
const complete = (handle: string, options?: CompleteOptions, auth?: string | null) =>
  completeAt(baseUrl(), handle, options, auth);

describe(DOCUMENT, () => {
  test('200: the committed document, without credentials', async () => {
    const answer = await api(baseUrl(), null).GET('/openapi.json');
    expectDocumented(DOCUMENT, answer);
    expect(answer.data?.openapi).toBe('3.1.0');
    expect(answer.data).toEqual(committed);
  });
});

describe(`${COMPLETE}: each status through the generated client`, () => {
  test('200: the completed order', async () => {
    const handle = uniqueHandle('openapi-200');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const answer = await complete(handle);
    expectDocumented(COMPLETE, answer);
    expect(answer.error).toBeUndefined();
    expect(answer.data?.order_handle).toBe(handle);
    expect(answer.data?.status).toBe('completed');
    expect(answer.data?.timeline?.at(-1)?.type).toBe('order_completed');
  });

  test('401 with WWW-Authenticate: no credentials, and a wrong secret', async () => {
    expectDocumented(COMPLETE, await complete('order-1', {}, null), 'unauthenticated');
    const wrong = `Basic ${btoa('local-account:wrong-secret')}`;
    expectDocumented(COMPLETE, await complete('order-1', {}, wrong), 'unauthenticated');
  });

  test('404: no such order', async () => {
    expectDocumented(COMPLETE, await complete(uniqueHandle('openapi-404')), 'notFound');
  });

  test('409: a cancelled order', async () => {
    const handle = uniqueHandle('openapi-409');
    await seedOrders(client, [makeOrder({ order_handle: handle, status: 'cancelled' })]);
    expectDocumented(COMPLETE, await complete(handle), 'cancelled');
  });

  test('413: a body over 16 KiB', async () => {
    const answer = await complete('order-1', { bodySerializer: () => `{"pad":"${'x'.repeat(17_000)}"}` });
    expectDocumented(COMPLETE, answer, 'tooLarge');
  });

  test('415: a text/plain body', async () => {
    const answer = await complete('order-1', {
      headers: { 'content-type': 'text/plain' },
      bodySerializer: () => 'hello',
    });
    expectDocumented(COMPLETE, answer, 'notJson');
  });

  test('406: gzip refused (Accept-Encoding: identity) for an answer too large to send uncompressed', async () => {
    const handle = uniqueHandle('openapi-406');
    const iso = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
    // 50 000 fixes with a long last element: over Lambda's 6 MB uncompressed (the track is stored apart).
    const coordinates = Array.from({ length: 50_000 }, (_, i) => [
      -121.87,
      37.37,
      24.49,
      `${iso(i)}${'~'.repeat(100)}`,
    ]);
    await seedOrders(client, [makeOrder({ order_handle: handle, polyline: { type: 'LineString', coordinates } })]);
    try {
      const answer = await complete(handle, { headers: { 'accept-encoding': 'identity' } });
      expectDocumented(COMPLETE, answer);
      expect(answer.response.status).toBe(406);
      expect(JSON.stringify(answer.error)).toContain('response_too_large');
    } finally {
      // 7.7 MB of track in the shared table would slow the later tests' full-table Scans.
      await deleteOrder(client, LOCAL, handle);
    }
  }, 120_000);

  test('422: a bad query parameter, and a pick/drop order without ?type=', async () => {
    expectDocumented(COMPLETE, await complete('order-1', { querySerializer: () => 'type=both' }), 'badQuery');
    const handle = uniqueHandle('openapi-422');
    await seedOrders(client, [
      makeOrder({ order_handle: handle, type: 'pick' }),
      makeOrder({ order_handle: handle, type: 'drop' }),
    ]);
    expectDocumented(COMPLETE, await complete(handle), 'ambiguous');
    // The typed query narrows it: ?type=drop completes the drop part.
    const narrowed = await complete(handle, { query: { type: 'drop' } });
    expectDocumented(COMPLETE, narrowed);
    expect(narrowed.data?.type).toBe('drop');
  });
});

describe(`${COMPLETE}: 500 and 503 from a second stack whose DynamoDB is behind a fault-injecting proxy`, () => {
  let proxy: FaultyDynamoDbProxy;
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    proxy = await new FaultyDynamoDbProxy(dynamodbEndpoint()).start();
    stack = await startLocalStack(join(root, '.local', 'e2e-faults'), { DYNAMODB_ENDPOINT: proxy.endpoint });
  }, 150_000);
  afterAll(async () => {
    if (stack !== undefined) expect(await stopLocalStack(stack.child)).toBe(true);
    await proxy.stop();
  }, 30_000);

  test('503 with Retry-After: DynamoDB throttles every call', async () => {
    const handle = uniqueHandle('openapi-503');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    proxy.fault = 'throttle';
    try {
      expectDocumented(COMPLETE, await completeAt(stack!.baseUrl, handle), 'unavailable');
    } finally {
      proxy.fault = 'none';
    }
  });

  test('500: DynamoDB refuses the call for good (a bug, not an outage)', async () => {
    const handle = uniqueHandle('openapi-500');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    proxy.fault = 'refuse400';
    try {
      expectDocumented(COMPLETE, await completeAt(stack!.baseUrl, handle), 'internal');
    } finally {
      proxy.fault = 'none';
    }
  });
});

describe('coverage', () => {
  test('every documented status was answered through the client above (429: API Gateway only)', () => {
    const documented = Object.entries(committed.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, operation]) =>
        Object.keys(operation.responses)
          .filter((status) => !GATEWAY_ONLY.includes(status))
          .map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    expect([...answered].sort()).toEqual(documented.sort());
  });
});
