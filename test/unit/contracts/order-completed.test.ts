import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from '@aws-lambda-powertools/parser';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import type { Context } from 'aws-lambda';
import {
  buildOrderCompletedJsonSchema,
  orderCompletedDetailSchema,
  renderOrderCompletedJsonSchema,
  type OrderCompletedEvent,
} from '../../../contracts/order-completed';
import {
  ORDER_COMPLETED_DETAIL_TYPE,
  ORDER_COMPLETED_VERSION,
  buildOrderCompletedDetail,
} from '../../../domain/order-completed-event';

/**
 * The published OrderCompleted contract: the JSON Schema file is what the zod schema renders, accepts
 * what the publisher builds (and added fields), refuses broken details; the example rule pattern matches
 * the event; the Powertools parser (envelope and extended schema) reads it; the local subscriber uses it.
 */
const root = resolve(__dirname, '..', '..', '..');
const schemaPath = join(root, 'contracts', `order-completed.v${ORDER_COMPLETED_VERSION}.schema.json`);

const detail = buildOrderCompletedDetail(
  { account_id: 'acct-1', order_handle: 'order/1#a', type: 'drop', type_index: 1, fulfillment_attempt: 0 },
  '0123456789abcdef0123456789abcdef',
  {
    completed_at: '2026-01-02T03:04:05.678Z',
    route_handle: 'route-1',
    worker_handle: null,
    device_id: 'device-1',
    metadata: { ref: 'A-1', nested: { list: [1, 'two', null, true] } },
    share_url: null,
    destination: { geometry: { type: 'Point', coordinates: [13.4, 52.5] }, address: 'Somewhere 1', radius: 50 },
  },
);

const event = (payload: unknown): OrderCompletedEvent =>
  ({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': ORDER_COMPLETED_DETAIL_TYPE,
    source: 'orders-complete',
    account: '123456789012',
    time: '2026-01-02T03:04:05Z',
    region: 'us-east-1',
    resources: [],
    detail: payload,
  }) as OrderCompletedEvent;

describe('contracts/order-completed.v1.schema.json', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

  test('is exactly what `npm run event-schema` renders from the zod schema (run it after changing the detail)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(renderOrderCompletedJsonSchema());
    expect(buildOrderCompletedJsonSchema()).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
  });

  test('accepts what the publisher builds, and fields added within the version', () => {
    expect(validate(detail)).toBe(true);
    expect(validate({ ...detail, metadata: null, destination: null, metadata_truncated: true })).toBe(true);
    expect(validate({ ...detail, added_later: 'x', destination: { ...detail.destination, floor: 3 } })).toBe(true);
  });

  test.each<[string, Record<string, unknown>]>([
    ['no event_id', { event_id: undefined }],
    ['another version', { version: '2' }],
    ['a non-completed status', { status: 'cancelled' }],
    ['a negative type_index', { type_index: -1 }],
    ['an unknown type', { type: 'both' }],
    ['a completed_at that is not a timestamp', { completed_at: 'yesterday' }],
    ['metadata that is not an object', { metadata: 'x' }],
  ])('refuses a detail with %s, as the zod schema does', (_name, change) => {
    const broken = JSON.parse(JSON.stringify({ ...detail, ...change })) as unknown;
    expect(validate(broken)).toBe(false);
    expect(orderCompletedDetailSchema.safeParse(broken).success).toBe(false);
  });
});

describe('contracts/order-completed.event-pattern.json', () => {
  test('selects OrderCompleted version 1 from this service’s source', () => {
    const pattern = JSON.parse(
      readFileSync(join(root, 'contracts', 'order-completed.event-pattern.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(pattern).toEqual({
      source: ['orders-complete'],
      'detail-type': [ORDER_COMPLETED_DETAIL_TYPE],
      detail: { version: [ORDER_COMPLETED_VERSION] },
    });
  });
});

describe('Powertools parser with the contract', () => {
  test('EventBridgeEnvelope + the detail schema gives subscribers the typed detail (docs/events.md)', () => {
    expect(parse(event(detail), EventBridgeEnvelope, orderCompletedDetailSchema)).toEqual(detail);
    expect(() =>
      parse(event({ ...detail, event_id: 'nope' }), EventBridgeEnvelope, orderCompletedDetailSchema),
    ).toThrow();
  });
});

describe('the local subscriber (Powertools parser middleware)', () => {
  let dir: string;
  let eventsFile: string;
  let handler: (event: unknown, context: Context) => Promise<void>;
  const context = { awsRequestId: 'req-1', functionName: 'localEventSubscriber' } as Context;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'subscriber-'));
    eventsFile = join(dir, 'events.jsonl');
    process.env.EVENTS_FILE = eventsFile;
    ({ handler } = (await import('../../../handlers/local-event-subscriber')) as unknown as {
      handler: typeof handler;
    });
  });
  afterAll(() => {
    delete process.env.EVENTS_FILE;
    rmSync(dir, { recursive: true, force: true });
  });

  test('appends a valid event as one line (envelope id and time, parsed detail)', async () => {
    await handler(event({ ...detail, added_later: 'ignored' }), context);
    const lines = readFileSync(eventsFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      source: 'orders-complete',
      'detail-type': 'OrderCompleted',
      time: '2026-01-02T03:04:05Z',
      detail,
    });
  });

  test('fails the invocation on a detail that breaks the contract, writing nothing', async () => {
    const before = readFileSync(eventsFile, 'utf8');
    await expect(handler(event({ ...detail, status: 'cancelled' }), context)).rejects.toThrow();
    await expect(handler({ ...event(detail), 'detail-type': 'OrderCancelled' }, context)).rejects.toThrow();
    expect(readFileSync(eventsFile, 'utf8')).toBe(before);
  });
});
