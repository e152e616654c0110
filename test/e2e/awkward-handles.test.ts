import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LOCAL,
  complete,
  createClient,
  expectJsonContentType,
  getRaw,
  makeOrder,
  seedOrders,
  type RecordId,
} from './support/e2e';

let client: DynamoDBDocumentClient;
beforeAll(() => {
  client = createClient();
});
afterAll(() => {
  client.destroy();
});

/**
 * Each case seeds the awkward handle and a plain sibling handle (its prefix before the awkward
 * character) with a unique prefix, completes the awkward one, and checks only its record changed.
 */
const record = (orderHandle: string): RecordId => ({ account_id: LOCAL, order_handle: orderHandle, type: 'drop', type_index: 0, fulfillment_attempt: 0 });

describe('awkward handles name exactly one record', () => {
  test.each<[string, (prefix: string) => string, (handle: string) => string]>([
    ["'#' sent as %23", (p) => `${p}#b`, (h) => h.replaceAll('#', '%23')],
    ["'/' sent as %2F", (p) => `${p}/b`, (h) => h.replaceAll('/', '%2F')],
    ["'%' sent as %25", (p) => `${p}%b`, (h) => h.replaceAll('%', '%25')],
    ['unicode with a 4-byte emoji', (p) => `${p}订单-🚚`, (h) => encodeURIComponent(h)],
    ['256 characters', (p) => p + 'x'.repeat(256 - p.length), (h) => h],
  ])('%s', async (_name, makeHandle, encode) => {
    const sibling = `a${randomBytes(4).toString('hex')}`;
    const handle = makeHandle(sibling);
    await seedOrders(client, [makeOrder({ order_handle: sibling }), makeOrder({ order_handle: handle })]);
    const siblingBefore = await getRaw(client, record(sibling));
    expect(siblingBefore).toBeDefined();

    const result = await complete(handle, { rawHandle: encode(handle) });
    expectJsonContentType(result);
    expect(result.status).toBe(200);
    expect(result.body.order_handle).toBe(handle);
    expect(result.body.status).toBe('completed');

    const after = await getRaw(client, record(handle));
    expect(after?.status).toBe('completed');
    expect(after?.completed_at).toBe(result.body.completed_at);
    expect(await getRaw(client, record(sibling))).toEqual(siblingBefore);
  });
});
