import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  LOCAL,
  basic,
  client,
  completeJson,
  eventsAfterQuietWindow,
  forRecord,
  getRaw,
  makeOrder,
  recordOf,
  seedOrders,
  uniqueHandle,
  type HttpResult,
  type JsonObject,
  type PostOptions,
} from './support/e2e';

/**
 * 401, 413, 415 and 422 over real HTTP. One ongoing order is the target of every refused request:
 * it must still be exactly as seeded afterwards (and no event published for it).
 */

const handle = uniqueHandle('errors');
const target = recordOf(handle);
let before: JsonObject | undefined;

beforeAll(async () => {
  await seedOrders(client, [makeOrder({ ...target })]);
  before = await getRaw(client, target);
});
afterAll(async () => {
  // Nothing any refused request did may have completed the target or published for it.
  expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle), 0)).toHaveLength(0);
});

const send = (options: PostOptions, orderHandle = handle): Promise<HttpResult> => completeJson(orderHandle, options);

const expectUntouched = async (): Promise<void> => {
  expect(before).toBeDefined();
  expect(await getRaw(client, target)).toEqual(before);
};

/** A fresh ongoing order of local-account, for requests that are expected to complete. */
const freshOrder = async (prefix: string): Promise<string> => {
  const own = uniqueHandle(prefix);
  await seedOrders(client, [makeOrder({ order_handle: own })]);
  return own;
};

const expectValidationError = (result: HttpResult, expected: Record<string, string[]>): void => {
  expect(result.status).toBe(422);
  expect(result.body.message).toBe('Validation error');
  expect(Object.keys(result.body).sort()).toEqual(['detail', 'message']);
  const detail = result.body.detail as JsonObject;
  expect(Object.keys(detail).sort()).toEqual(Object.keys(expected).sort());
  for (const [location, fields] of Object.entries(expected)) {
    const messages = detail[location] as JsonObject;
    expect(Object.keys(messages).sort()).toEqual([...fields].sort());
    for (const field of fields) {
      const list = messages[field];
      expect(Array.isArray(list)).toBe(true);
      expect((list as unknown[]).length).toBeGreaterThan(0);
      for (const message of list as unknown[]) expect(typeof message).toBe('string');
    }
  }
};

describe('401', () => {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  test.each<[string, string | null]>([
    ['missing header', null],
    ['wrong secret', basic(LOCAL, 'not-the-secret')],
    ['unknown account', basic('nobody-account', 'local-secret')],
    ["other-account's secret for local-account", basic(LOCAL, 'other-secret')],
    ['Bearer scheme', 'Bearer local-secret'],
    ['Bearer scheme carrying valid Basic credentials', `Bearer ${b64(`${LOCAL}:local-secret`)}`],
    ['malformed base64', 'Basic %%%not-base64%%%'],
    ['base64 without its padding', `Basic ${b64(`${LOCAL}:local-secret`).replace(/=+$/, '')}`],
    ['scheme only', 'Basic'],
    ['no colon in the credentials', `Basic ${b64(LOCAL)}`],
    ['empty secret', `Basic ${b64(`${LOCAL}:`)}`],
    ['empty account', `Basic ${b64(':local-secret')}`],
    ['secret with a trailing space', `Basic ${b64(`${LOCAL}:local-secret `)}`],
    ['a second token after the credentials', `Basic ${b64(`${LOCAL}:local-secret`)} extra`],
  ])('%s: 401 with WWW-Authenticate and nothing written', async (_name, auth) => {
    const result = await send({ auth });
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ message: 'Authentication error', detail: {} });
    expect(result.headers.get('www-authenticate') ?? '').toMatch(/^Basic realm="orders"/);
    await expectUntouched();
  });

  test('authentication comes first: no credentials and a bad query is 401, not 422', async () => {
    const result = await send({ auth: null, query: 'type=bad', body: '{"a":1}' });
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ message: 'Authentication error', detail: {} });
    await expectUntouched();
  });

  test('an unknown handle with bad credentials is 401, not 404 (no existence probe without credentials)', async () => {
    const result = await send({ auth: basic(LOCAL, 'wrong') }, uniqueHandle('nowhere'));
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate') ?? '').toMatch(/^Basic realm="orders"/);
  });

  test.each<[string, (credentials: string) => string]>([
    ["lower-case 'basic'", (credentials) => `basic ${credentials}`],
    ["upper-case 'BASIC'", (credentials) => `BASIC ${credentials}`],
    ['extra spaces around the token', (credentials) => `Basic   ${credentials}  `],
  ])('the scheme is case-insensitive and spacing tolerant: %s completes', async (_name, header) => {
    const own = await freshOrder('basic-scheme');
    const result = await send({ auth: header(b64(`${LOCAL}:local-secret`)) }, own);
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
    expect((await getRaw(client, recordOf(own)))?.status).toBe('completed');
  });
});

describe('413', () => {
  test('a body over 16 KiB: 413 with max_bytes, nothing written', async () => {
    const result = await send({ body: JSON.stringify({ padding: 'x'.repeat(17 * 1024) }) });
    expect(result.status).toBe(413);
    expect(typeof result.body.message).toBe('string');
    expect(result.body.detail).toEqual({ max_bytes: 16384 });
    await expectUntouched();
  });

  test('the limit is 16384 bytes, not characters: 16385 bytes of whitespace-padded {} is 413', async () => {
    const body = `{${' '.repeat(16_383)}}`;
    expect(Buffer.byteLength(body)).toBe(16_385);
    const result = await send({ body });
    expect(result.status).toBe(413);
    expect(result.body.detail).toEqual({ max_bytes: 16384 });
    await expectUntouched();
  });

  test('multi-byte characters count as bytes: {"k": 5461 x "€"} (16391 bytes, 5469 characters) is 413', async () => {
    const body = `{"k":"${'€'.repeat(5_461)}"}`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(16_384);
    expect(body.length).toBeLessThan(16_384);
    const result = await send({ body });
    expect(result.status).toBe(413);
    await expectUntouched();
  });

  test('exactly 16384 bytes ({} padded with whitespace) is accepted and completes', async () => {
    const own = await freshOrder('16k');
    const body = `{${' '.repeat(16_382)}}`;
    expect(Buffer.byteLength(body)).toBe(16_384);
    const result = await send({ body }, own);
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
  });
});

describe('415 and the accepted content types', () => {
  test.each<[string, string]>([
    ['text/plain', '{}'],
    ['application/xml', '<complete/>'],
    ['application/octet-stream', '{}'],
    ['application/x-www-form-urlencoded', 'a=1'],
    ['text/json', '{}'],
  ])('a %s body: 415 naming content_type, nothing written', async (contentType, body) => {
    const result = await send({ body, contentType });
    expect(result.status).toBe(415);
    expect(typeof result.body.message).toBe('string');
    const detail = result.body.detail as JsonObject;
    expect(Object.keys(detail)).toEqual(['content_type']);
    expect(Array.isArray(detail.content_type)).toBe(true);
    await expectUntouched();
  });

  test.each<[string, PostOptions]>([
    ['no body at all', { body: null, contentType: null }],
    ['an empty body with a text/plain content type', { body: '', contentType: 'text/plain' }],
    ['{} as application/json; charset=utf-8', { body: '{}', contentType: 'application/json; charset=utf-8' }],
    ['{} as application/vnd.api+json', { body: '{}', contentType: 'application/vnd.api+json' }],
    ['{} as APPLICATION/JSON', { body: '{}', contentType: 'APPLICATION/JSON' }],
    ['{} with no content type', { body: '{}', contentType: null }],
  ])('%s: completes', async (_name, options) => {
    const own = await freshOrder('accepted-body');
    const result = await send(options, own);
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
  });
});

describe('422', () => {
  test.each<[string, PostOptions, Record<string, string[]>]>([
    ['type=bad', { query: 'type=bad' }, { query: ['type'] }],
    ['an empty type', { query: 'type=' }, { query: ['type'] }],
    ['type in capitals', { query: 'type=DROP' }, { query: ['type'] }],
    ['type_index=-1', { query: 'type_index=-1' }, { query: ['type_index'] }],
    ['type_index=abc', { query: 'type_index=abc' }, { query: ['type_index'] }],
    ['type_index over 2147483647', { query: 'type_index=2147483648' }, { query: ['type_index'] }],
    ['fulfillment_attempt=1.5', { query: 'fulfillment_attempt=1.5' }, { query: ['fulfillment_attempt'] }],
    ['fulfillment_attempt=-1', { query: 'fulfillment_attempt=-1' }, { query: ['fulfillment_attempt'] }],
    ['type given twice (same value)', { query: 'type=pick&type=pick' }, { query: ['type'] }],
    [
      'fulfillment_attempt given twice',
      { query: 'fulfillment_attempt=0&fulfillment_attempt=1' },
      { query: ['fulfillment_attempt'] },
    ],
    ['fulfilment_attempt (typo)', { query: 'fulfilment_attempt=1' }, { query: ['fulfilment_attempt'] }],
    ['__proto__ as a query parameter', { query: '__proto__=1' }, { query: ['__proto__'] }],
    ['body with a field', { body: '{"a":1}' }, { json: ['a'] }],
    ['body with __proto__', { body: '{"__proto__":{"x":1}}' }, { json: ['__proto__'] }],
    ['malformed JSON', { body: '{"a":' }, { json: ['body'] }],
    ['body null', { body: 'null' }, { json: ['body'] }],
    ['body an array', { body: '[]' }, { json: ['body'] }],
    ['body a string', { body: '"x"' }, { json: ['body'] }],
    ['body true', { body: 'true' }, { json: ['body'] }],
    [
      'bad query and bad body at once: every problem listed',
      { query: 'type=bad&foo=1', body: '{"a":1}' },
      { query: ['type', 'foo'], json: ['a'] },
    ],
  ])('%s: 422 naming exactly those fields, nothing written', async (_name, options, expected) => {
    const result = await send(options);
    expectValidationError(result, expected);
    await expectUntouched();
  });

  test('a 257-character handle: 422 naming path.order_handle', async () => {
    const long = `${handle}-${'x'.repeat(257)}`.slice(0, 257);
    const result = await send({}, long);
    expectValidationError(result, { path: ['order_handle'] });
    await expectUntouched();
  });

  // Regression: serverless offline hands falsy JSON bodies (`false`, `0`) over parsed, not as a string; 422, not 500.
  test.each<[string, string]>([
    ['false', 'false'],
    ['0', '0'],
  ])('body %s: 422 naming json.body', async (_name, body) => {
    const result = await send({ body });
    expectValidationError(result, { json: ['body'] });
    await expectUntouched();
  });
});
