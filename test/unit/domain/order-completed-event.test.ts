import { describe, expect, test } from '@jest/globals';
import { ZodError } from 'zod';
import { MAX_METADATA_BYTES, type OrderKey } from '../../../domain/order-fields';
import {
  ORDER_COMPLETED_DETAIL_TYPE,
  ORDER_COMPLETED_VERSION,
  buildOrderCompletedDetail,
  type CompletedOrderFields,
} from '../../../domain/order-completed-event';
import { parseOrderCompletedDetail } from '../../../contracts/order-completed';

const key: OrderKey = {
  account_id: 'acct-1',
  order_handle: 'order/1#a',
  type: 'drop',
  type_index: 1,
  fulfillment_attempt: 2,
};
const EVENT_ID = '0123456789abcdef0123456789abcdef';
const COMPLETED_AT = '2025-03-01T12:00:00.000Z';
const destination = {
  geometry: { type: 'Point' as const, coordinates: [13.4, 52.5] },
  address: 'Somewhere 1',
  radius: 50,
};

const fullOrder = {
  completed_at: COMPLETED_AT,
  route_handle: 'route-1',
  worker_handle: 'worker-1',
  device_id: 'device-1',
  metadata: { ref: 'A-1', nested: { n: 1 } },
  share_url: 'https://share.example.test/x',
  destination,
  // Fields that must never reach the event:
  polyline: {
    type: 'LineString',
    coordinates: [
      [13.4, 52.5],
      [13.5, 52.6],
    ],
  },
  timeline: [{ type: 'order_completed', recorded_at: COMPLETED_AT }],
  pending_event: { event_id: EVENT_ID, since: COMPLETED_AT, lease_until: 1 },
  pk: 'acct-1#order/1#a',
  account_id: 'acct-1',
  status: 'completed',
};

describe('buildOrderCompletedDetail', () => {
  test('produces a detail that passes the published contract', () => {
    const detail = buildOrderCompletedDetail(key, EVENT_ID, fullOrder);
    expect(parseOrderCompletedDetail(detail)).toEqual(detail);
  });

  test('has the documented fields, with the identity from the key', () => {
    expect(buildOrderCompletedDetail(key, EVENT_ID, fullOrder)).toStrictEqual({
      version: ORDER_COMPLETED_VERSION,
      event_id: EVENT_ID,
      account_id: 'acct-1',
      order_handle: 'order/1#a',
      type: 'drop',
      type_index: 1,
      fulfillment_attempt: 2,
      status: 'completed',
      completed_at: COMPLETED_AT,
      route_handle: 'route-1',
      worker_handle: 'worker-1',
      device_id: 'device-1',
      metadata: { ref: 'A-1', nested: { n: 1 } },
      share_url: 'https://share.example.test/x',
      destination,
    });
    expect(ORDER_COMPLETED_DETAIL_TYPE).toBe('OrderCompleted');
    expect(ORDER_COMPLETED_VERSION).toBe('1');
  });

  test('leaves out polyline, timeline and internal attributes', () => {
    const detail = buildOrderCompletedDetail(key, EVENT_ID, fullOrder);
    for (const field of ['polyline', 'timeline', 'pending_event', 'pk', 'sk']) {
      expect(Object.keys(detail)).not.toContain(field);
    }
    expect(JSON.stringify(detail)).not.toContain('LineString');
  });

  test('missing optional fields become null', () => {
    const detail = buildOrderCompletedDetail(key, EVENT_ID, { completed_at: COMPLETED_AT });
    expect(detail).toMatchObject({
      route_handle: null,
      worker_handle: null,
      device_id: null,
      metadata: null,
      share_url: null,
      destination: null,
    });
    expect(Object.keys(detail)).not.toContain('metadata_truncated');
    expect(() => parseOrderCompletedDetail(detail)).not.toThrow();
  });

  test('non-string values of string fields become null', () => {
    const odd = {
      completed_at: COMPLETED_AT,
      route_handle: 7,
      worker_handle: {},
      device_id: null,
    } as unknown as CompletedOrderFields;
    const detail = buildOrderCompletedDetail(key, EVENT_ID, odd);
    expect([detail.route_handle, detail.worker_handle, detail.device_id]).toEqual([null, null, null]);
  });

  test('an invalid destination becomes null instead of breaking the contract', () => {
    const detail = buildOrderCompletedDetail(key, EVENT_ID, {
      completed_at: COMPLETED_AT,
      destination: { geometry: 'nowhere' },
    });
    expect(detail.destination).toBeNull();
    expect(() => parseOrderCompletedDetail(detail)).not.toThrow();
  });

  test('metadata over 4096 bytes -> metadata null and metadata_truncated true', () => {
    const big = { blob: 'x'.repeat(MAX_METADATA_BYTES) };
    const detail = buildOrderCompletedDetail(key, EVENT_ID, { completed_at: COMPLETED_AT, metadata: big });
    expect(detail.metadata).toBeNull();
    expect(detail.metadata_truncated).toBe(true);
    expect(() => parseOrderCompletedDetail(detail)).not.toThrow();
  });

  test('metadata is measured in UTF-8 bytes, not characters', () => {
    // 1500 three-byte characters: 1 512 characters in JSON, but over 4 096 bytes.
    const detail = buildOrderCompletedDetail(key, EVENT_ID, {
      completed_at: COMPLETED_AT,
      metadata: { s: '€'.repeat(1500) },
    });
    expect(detail.metadata).toBeNull();
    expect(detail.metadata_truncated).toBe(true);
  });

  test('metadata of exactly 4096 bytes is kept', () => {
    const metadata = { s: 'x'.repeat(MAX_METADATA_BYTES - '{"s":""}'.length) };
    const detail = buildOrderCompletedDetail(key, EVENT_ID, { completed_at: COMPLETED_AT, metadata });
    expect(detail.metadata).toEqual(metadata);
    expect(Object.keys(detail)).not.toContain('metadata_truncated');
  });
});

describe('parseOrderCompletedDetail', () => {
  const valid = buildOrderCompletedDetail(key, EVENT_ID, fullOrder);

  test('ignores unknown fields added within version 1', () => {
    expect(() => parseOrderCompletedDetail({ ...valid, new_field: 1 })).not.toThrow();
  });

  test.each<[string, Record<string, unknown>]>([
    ['another version', { version: '2' }],
    ['a non-hex event id', { event_id: 'not-an-id' }],
    ['a status other than completed', { status: 'planned' }],
    ['a bad completed_at', { completed_at: 'yesterday' }],
    ['a bad account id', { account_id: 'a#b' }],
    ['a missing route_handle', { route_handle: undefined }],
  ])('throws a ZodError for %s', (_label, change) => {
    expect(() => parseOrderCompletedDetail({ ...valid, ...change })).toThrow(ZodError);
  });
});
