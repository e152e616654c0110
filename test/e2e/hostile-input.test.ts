import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expectDocumentedError } from '../support/error-shapes';
import { b64, forbiddenIn, hostileRequests, type HostileRequest } from '../support/hostile-requests';
import { propertyParameters } from '../support/property';
import {
  LOCAL,
  OTHER,
  baseUrl,
  basic,
  client,
  complete,
  localAuth,
  makeOrder,
  otherAuth,
  seedOrders,
  stackLog,
  tableName,
  type JsonObject,
} from './support/e2e';

/**
 * Hostile requests over real HTTP (serverless offline in front of the function), a few dozen runs to
 * catch what the emulator layer does differently from a hand-built API Gateway event: every answer is
 * the function's documented one or the HTTP layer's own refusal (never a 5xx); a 4xx changes no record
 * (snapshot of every record of this file's handles); and the stack's whole output (serverless offline
 * and the function's log lines) never carries a secret, an Authorization value, its token or the
 * decoded `account:secret`.
 */
const PREFIX = `hx${randomBytes(4).toString('hex')}`;
const SECRETS = { [LOCAL]: 'local-secret', [OTHER]: 'other-secret' };
const FAMILY = [
  PREFIX,
  `${PREFIX}#x`,
  `x#${PREFIX}`,
  `${PREFIX}%23x`,
  `${PREFIX}/b`,
  `${PREFIX}|b`,
  `${LOCAL}#${PREFIX}`,
  `${OTHER}#${PREFIX}`,
  `${PREFIX}caf\u00e9`,
  `${PREFIX}cafe\u0301`,
  `${PREFIX}\u200b`,
  `${PREFIX}🚚`,
];
const EXTRA = [`${PREFIX}-cancelled`, `${PREFIX}-both`];

/** The function's own answers (it always sends cache-control: no-store). */
const FUNCTION_STATUSES = new Set([200, 401, 404, 409, 413, 415, 422]);
/**
 * The HTTP layer's own refusals, before the function runs: a malformed percent-escape (400), a path the
 * route does not match such as an empty handle (404), a URL or headers over the server's limits (414, 431),
 * and (serverless offline only: its hapi server parses multipart bodies, API Gateway does not) a
 * multipart/form-data body it cannot parse (415, in hapi's shape). None of them reaches the function.
 */
const HTTP_LAYER_STATUSES = new Set([400, 404, 413, 414, 415, 431]);

/** Every stored record whose key contains this file's prefix (new ones included). */
const snapshot = async (): Promise<JsonObject[]> => {
  const items: JsonObject[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: 'contains(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((page.Items ?? []) as JsonObject[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
};

const changed = (before: JsonObject[], after: JsonObject[]): JsonObject[] => {
  const key = (item: JsonObject): string => JSON.stringify([item.pk, item.sk]);
  const was = new Map(before.map((item) => [key(item), item]));
  const diff = after.filter((item) => !isDeepStrictEqual(was.get(key(item)), item));
  const is = new Set(after.map(key));
  return [...diff, ...before.filter((item) => !is.has(key(item)))];
};

// fetch refuses some header names and any value that is not a byte string without CR, LF or NUL.
const FETCH_FORBIDDEN = new Set([
  'host',
  'connection',
  'content-length',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'via',
]);
const sendable = (value: string): boolean => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

interface Wire {
  url: string;
  init: RequestInit;
  /** The handle the function will see (fetch sends well-formed UTF-8 only). */
  handle: string | undefined;
}

/** The request as an HTTP client sends it; undefined when no client could (fetch would refuse it). */
const toWire = (request: HostileRequest): Wire | undefined => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.extra)) {
    if (FETCH_FORBIDDEN.has(name.toLowerCase()) || name.toLowerCase().startsWith('proxy-')) continue;
    if (!sendable(value)) return undefined;
    headers[name] = value;
  }
  if (request.auth.value !== undefined) {
    if (!sendable(request.auth.value)) return undefined;
    headers[request.authHeaderName] = request.auth.value;
  }
  const { body } = request;
  if (body.contentType !== undefined) {
    if (!sendable(body.contentType)) return undefined;
    headers[request.contentTypeHeaderName] = body.contentType;
  }
  let bytes: Uint8Array | undefined;
  if (typeof body.body === 'string') {
    bytes = body.isBase64Encoded ? Buffer.from(body.body, 'base64') : new TextEncoder().encode(body.body);
  } else if (body.body !== undefined) {
    bytes = new TextEncoder().encode(JSON.stringify(body.body));
  }
  const handle = request.handle?.toWellFormed();
  const query = request.query.raw === '' ? '' : `?${request.query.raw}`;
  return {
    url: `${baseUrl()}/orders/${encodeURIComponent(handle ?? '')}/complete${query}`,
    // Bytes, not a string: fetch would add a text/plain content type to a string body.
    init: { method: 'POST', headers, ...(bytes === undefined ? {} : { body: bytes }) },
    handle,
  };
};

const forbiddenSeen = new Set<string>([
  'local-secret',
  'other-secret',
  'local-account:local-secret',
  'other-account:other-secret',
  localAuth.slice('Basic '.length),
  otherAuth.slice('Basic '.length),
]);

beforeAll(async () => {
  await seedOrders(client, [
    ...FAMILY.flatMap((handle) => [
      makeOrder({ order_handle: handle }),
      makeOrder({ order_handle: handle, account_id: OTHER }),
    ]),
    makeOrder({ order_handle: `${PREFIX}-cancelled`, status: 'cancelled' }),
    makeOrder({ order_handle: `${PREFIX}-both`, type: 'pick' }),
    makeOrder({ order_handle: `${PREFIX}-both`, type: 'drop' }),
  ]);
});

describe('hostile requests over HTTP (property-based)', () => {
  test('the documented answer or the HTTP layer’s own refusal, never a 5xx; no record changed by a 4xx', async () => {
    const seen: Record<string, number> = {};
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        hostileRequests({ accounts: SECRETS, seededHandles: [...FAMILY, ...EXTRA], handlePrefix: PREFIX }),
        async (request) => {
          const wire = toWire(request);
          fc.pre(wire !== undefined);
          if (wire === undefined) return;
          for (const forbidden of forbiddenIn(request.auth)) forbiddenSeen.add(forbidden);
          const before = await snapshot();
          const response = await fetch(wire.url, wire.init);
          const text = await response.text();
          const diff = changed(before, await snapshot());
          const fromFunction = response.headers.get('cache-control') === 'no-store';
          const label = `${response.status}${fromFunction ? '' : ' (http layer)'}`;
          seen[label] = (seen[label] ?? 0) + 1;

          expect(response.status).toBeLessThan(500);
          if (!fromFunction) {
            expect({ httpLayer: HTTP_LAYER_STATUSES.has(response.status), status: response.status, text }).toEqual({
              httpLayer: true,
              status: response.status,
              text,
            });
            expect(diff).toEqual([]);
            return;
          }
          expect(FUNCTION_STATUSES.has(response.status)).toBe(true);
          expect(response.headers.get('content-type')).toMatch(/^application\/json/);
          const body = JSON.parse(text) as JsonObject;
          if (request.auth.account === undefined) expect(response.status).toBe(401);
          if (response.status === 200) {
            expect(request.auth.account).toBeDefined();
            expect(body.order_handle).toBe(wire.handle);
            expect(diff.length).toBeLessThanOrEqual(1);
            for (const item of diff)
              expect([item.account_id, item.order_handle]).toEqual([request.auth.account, wire.handle]);
          } else {
            expectDocumentedError(response.status, body);
            expect(diff).toEqual([]);
          }
        },
      ),
      propertyParameters(40),
    );
    process.stdout.write(
      `hostile-input over HTTP: ${propertyParameters(40).numRuns} runs in ${Date.now() - started} ms, statuses ${JSON.stringify(seen)}\n`,
    );
  }, 120_000);

  test.each<[string, string]>([
    ['a malformed percent-escape', `${PREFIX}%ZZ`],
    ['a lone %', `${PREFIX}%`],
    ['a truncated UTF-8 escape', `${PREFIX}%E0%A4%A`],
    ['an encoded lone surrogate', `${PREFIX}%ED%A0%80`],
    ['an encoded NUL', `${PREFIX}%00`],
  ])('%s in the path: refused before or by the function, never a 5xx, nothing written', async (_name, segment) => {
    const before = await snapshot();
    const response = await complete('', { rawHandle: segment });
    expect(response.status).toBeLessThan(500);
    if (response.headers.get('cache-control') === 'no-store') {
      expect([404, 422]).toContain(response.status);
      expectDocumentedError(response.status, response.body);
    } else {
      expect(HTTP_LAYER_STATUSES.has(response.status)).toBe(true);
    }
    expect(changed(before, await snapshot())).toEqual([]);
  });
});

describe('no credential in any log line', () => {
  const canary = `canary-${randomBytes(8).toString('hex')}`;
  const cases: [string, string][] = [
    ['a wrong secret', basic(LOCAL, canary)],
    ['an unknown account', basic(`${canary}-account`, 'local-secret')],
    ['a Bearer token', `Bearer ${canary}`],
    ['a malformed Basic token', `Basic %%${canary}%%`],
    ['Basic without padding', basic(LOCAL, `${canary}x`).replace(/=+$/, '')],
    ['a token then junk', `${basic(LOCAL, 'local-secret')} ${canary}`],
    ['two credentials', `${basic(LOCAL, 'local-secret')}, ${basic(OTHER, canary)}`],
  ];

  afterAll(async () => {
    // The function's log lines reach the stack log through serverless offline's output: give them a moment.
    await sleep(1_000);
    // From the ready banner on (the banner itself shows the documented local sample credentials in its curl example).
    const full = readFileSync(stackLog(), 'utf8');
    const log = full.slice(full.indexOf('Ctrl-C stops everything.'));
    expect(log.length).toBeLessThan(full.length);
    // The capture works: the function's own log lines are in it.
    expect(log).toMatch(/"service":"orders-complete"/);
    for (const forbidden of forbiddenSeen)
      expect({ forbidden, found: log.includes(forbidden) }).toEqual({ forbidden, found: false });
    expect(log.toLowerCase()).not.toContain('authorization');
    expect(log.toLowerCase()).not.toMatch(/basic [a-z0-9+/=]{8,}/);
  });

  test.each(cases)('%s: 401, and the value is remembered for the log check', async (_name, authorization) => {
    for (const form of [authorization, authorization.replace(/^\S+\s+/, ''), canary]) forbiddenSeen.add(form);
    const response = await complete(PREFIX, { auth: authorization });
    expect(response.status).toBe(401);
  });

  test('a success and a refused body are logged without the credentials', async () => {
    const handle = `${PREFIX}-logged`;
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    expect((await complete(handle, { body: '{"a":1}' })).status).toBe(422);
    const ok = await complete(handle, { auth: `  basic ${b64('local-account:local-secret')}  ` });
    expect(ok.status).toBe(200);
  });
});
