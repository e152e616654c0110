import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LOCAL,
  basic,
  complete,
  createClient,
  expectJsonContentType,
  getRaw,
  makeOrder,
  seedOrders,
  uniqueHandle,
  type HttpResult,
  type JsonObject,
  type PostOptions,
  type RecordId,
} from './support/e2e';

let client: DynamoDBDocumentClient;
const handle = uniqueHandle('errors');
const target: RecordId = { account_id: LOCAL, order_handle: handle, type: 'drop', type_index: 0, fulfillment_attempt: 0 };
let before: JsonObject | undefined;

beforeAll(async () => {
  client = createClient();
  await seedOrders(client, [makeOrder({ ...target })]);
  before = await getRaw(client, target);
});
afterAll(() => {
  client.destroy();
});

const send = async (options: PostOptions, orderHandle = handle): Promise<HttpResult> => {
  const result = await complete(orderHandle, options);
  expectJsonContentType(result);
  return result;
};

const expectUntouched = async (): Promise<void> => {
  expect(before).toBeDefined();
  expect(await getRaw(client, target)).toEqual(before);
};

describe('401', () => {
  test.each<[string, string | null]>([
    ['missing header', null],
    ['wrong secret', basic(LOCAL, 'not-the-secret')],
    ['unknown account', basic('nobody-account', 'local-secret')],
    ['Bearer scheme', 'Bearer local-secret'],
    ['malformed base64', 'Basic %%%not-base64%%%'],
    ['no colon in the credentials', `Basic ${Buffer.from('local-account').toString('base64')}`],
  ])('%s: 401 with WWW-Authenticate and nothing written', async (_name, auth) => {
    const result = await send({ auth });
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ message: 'Authentication error', detail: {} });
    expect(result.headers.get('www-authenticate') ?? '').toMatch(/^Basic realm="orders"/);
    await expectUntouched();
  });

  test("the scheme is case-insensitive: 'basic' completes", async () => {
    const own = uniqueHandle('lower-basic');
    await seedOrders(client, [makeOrder({ order_handle: own })]);
    const result = await send({ auth: `basic ${Buffer.from(`${LOCAL}:local-secret`).toString('base64')}` }, own);
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('completed');
  });
});

describe('413 and 415', () => {
  test('a body over 16 KiB: 413 with max_bytes, nothing written', async () => {
    const result = await send({ body: JSON.stringify({ padding: 'x'.repeat(17 * 1024) }) });
    expect(result.status).toBe(413);
    expect(typeof result.body.message).toBe('string');
    expect(result.body.detail).toEqual({ max_bytes: 16384 });
    await expectUntouched();
  });

  test('a text/plain body: 415 naming content_type, nothing written', async () => {
    const result = await send({ body: '{}', contentType: 'text/plain' });
    expect(result.status).toBe(415);
    expect(typeof result.body.message).toBe('string');
    const detail = result.body.detail as JsonObject;
    expect(Array.isArray(detail.content_type)).toBe(true);
    await expectUntouched();
  });
});

describe('422', () => {
  test.each<[string, PostOptions, string, string]>([
    ['type=bad', { query: 'type=bad' }, 'query', 'type'],
    ['type_index=-1', { query: 'type_index=-1' }, 'query', 'type_index'],
    ['type given twice', { query: 'type=pick&type=pick' }, 'query', 'type'],
    ['fulfilment_attempt (typo)', { query: 'fulfilment_attempt=1' }, 'query', 'fulfilment_attempt'],
    ['body with a field', { body: '{"a":1}' }, 'json', 'a'],
    ['malformed JSON', { body: '{"a":' }, 'json', 'body'],
    ['body null', { body: 'null' }, 'json', 'body'],
  ])('%s: 422 naming %s.%s, nothing written', async (_name, options, location, field) => {
    const result = await send(options);
    expect(result.status).toBe(422);
    expect(result.body.message).toBe('Validation error');
    const detail = result.body.detail as JsonObject;
    expect(Object.keys(detail)).toEqual([location]);
    const fields = detail[location] as JsonObject;
    const messages = fields[field];
    expect(Array.isArray(messages)).toBe(true);
    expect((messages as unknown[]).length).toBeGreaterThan(0);
    for (const message of messages as unknown[]) expect(typeof message).toBe('string');
    await expectUntouched();
  });
});
