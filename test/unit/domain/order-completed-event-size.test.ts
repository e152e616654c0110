import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_ADDRESS_LENGTH,
  MAX_HANDLE_CODE_POINTS,
  MAX_METADATA_BYTES,
  MAX_ORDER_INDEX,
  MAX_REFERENCE_LENGTH,
  MAX_SHARE_URL_LENGTH,
  type OrderKey,
} from '../../../domain/order-fields';
import {
  ORDER_COMPLETED_DETAIL_TYPE,
  buildOrderCompletedDetail,
  type OrderCompletedDetail,
} from '../../../domain/order-completed-event';
import { parseOrderCompletedDetail } from '../../../contracts/order-completed';
import { propertyParameters } from '../../support/property';

/**
 * EventBridge refuses a PutEvents entry over 256 KB (Time 14 bytes + Source + DetailType + Detail, UTF-8).
 * The OrderCompleted detail leaves the polyline and timeline out and bounds every field it carries, so
 * even the largest order the API allows (and any record written around its validation, with a
 * 400 KB polyline, megabytes of metadata, over-long strings) yields an event far below the limit.
 */
const EVENTBRIDGE_ENTRY_LIMIT = 256 * 1024;
/** "Far below": a quarter of the limit. */
const BUDGET = EVENTBRIDGE_ENTRY_LIMIT / 4;
/** config/env.ts bounds EVENT_SOURCE to 256 characters; ASCII in practice, 4 bytes each at worst. */
const MAX_SOURCE_BYTES = 256 * 4;

const entryBytes = (detail: OrderCompletedDetail): number =>
  14 + MAX_SOURCE_BYTES + Buffer.byteLength(ORDER_COMPLETED_DETAIL_TYPE) + Buffer.byteLength(JSON.stringify(detail));

/** The character costing most bytes in JSON: a control character, escaped as \u00XX (6 bytes per UTF-16 unit). */
const WORST_CHAR = '\u0001';
const worst = (length: number): string => WORST_CHAR.repeat(length);

/** The largest metadata the API allows: exactly MAX_METADATA_BYTES of JSON. */
const largestMetadata = (): Record<string, string> => {
  const metadata = { k: '' };
  metadata.k = 'x'.repeat(MAX_METADATA_BYTES - Buffer.byteLength(JSON.stringify(metadata)));
  expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(MAX_METADATA_BYTES);
  return metadata;
};

const largestKey: OrderKey = {
  account_id: `a${'-'.repeat(63)}`,
  order_handle: worst(MAX_HANDLE_CODE_POINTS),
  type: 'pick',
  type_index: MAX_ORDER_INDEX,
  fulfillment_attempt: MAX_ORDER_INDEX,
};
const EVENT_ID = 'f'.repeat(32);
const longestNumber = -1.2345678901234567e-308;

const largestAllowed = {
  completed_at: '2025-03-01T12:00:00.000+14:00',
  route_handle: worst(MAX_REFERENCE_LENGTH),
  worker_handle: worst(MAX_REFERENCE_LENGTH),
  device_id: worst(MAX_REFERENCE_LENGTH),
  metadata: largestMetadata(),
  share_url: worst(MAX_SHARE_URL_LENGTH),
  destination: {
    geometry: { type: 'Point' as const, coordinates: [longestNumber, longestNumber, longestNumber] },
    address: worst(MAX_ADDRESS_LENGTH),
    radius: longestNumber,
  },
};

describe('OrderCompleted event size', () => {
  test('the largest order the API allows: a valid event far below 256 KB (figure printed for RELIABILITY.md)', () => {
    const detail = buildOrderCompletedDetail(largestKey, EVENT_ID, {
      ...largestAllowed,
      // What the event leaves out costs nothing, however large.
      polyline: { type: 'LineString', coordinates: Array.from({ length: 50_000 }, (_, i) => [i, i, i, 'x']) },
      timeline: Array.from({ length: 1_000 }, () => ({ type: 'x', recorded_at: largestAllowed.completed_at })),
    } as Parameters<typeof buildOrderCompletedDetail>[2]);
    // Every bounded field made it in at its maximum: this really is the largest event.
    expect(detail.order_handle).toBe(largestKey.order_handle);
    expect(detail.route_handle).toBe(largestAllowed.route_handle);
    expect(detail.share_url).toBe(largestAllowed.share_url);
    expect(detail.metadata).toEqual(largestAllowed.metadata);
    expect(detail.destination?.address).toBe(largestAllowed.destination.address);
    expect(parseOrderCompletedDetail(detail)).toEqual(detail);

    const bytes = entryBytes(detail);
    process.stdout.write(
      `largest OrderCompleted entry: ${bytes} bytes (${((bytes / EVENTBRIDGE_ENTRY_LIMIT) * 100).toFixed(1)}% of 256 KB)\n`,
    );
    expect(bytes).toBeLessThan(BUDGET);
  });

  test('one character over any bound: the field is left out (null), never an oversized event', () => {
    const detail = buildOrderCompletedDetail(largestKey, EVENT_ID, {
      ...largestAllowed,
      route_handle: worst(MAX_REFERENCE_LENGTH + 1),
      worker_handle: worst(MAX_REFERENCE_LENGTH + 1),
      device_id: worst(MAX_REFERENCE_LENGTH + 1),
      share_url: worst(MAX_SHARE_URL_LENGTH + 1),
      metadata: { ...largestAllowed.metadata, k: `${largestAllowed.metadata.k}x` },
      destination: { ...largestAllowed.destination, address: worst(MAX_ADDRESS_LENGTH + 1) },
    });
    expect(detail).toMatchObject({
      route_handle: null,
      worker_handle: null,
      device_id: null,
      share_url: null,
      metadata: null,
      metadata_truncated: true,
      destination: null,
    });
    expect(parseOrderCompletedDetail(detail)).toEqual(detail);
  });

  test('any stored record, however large or malformed: a valid event no larger than the largest allowed one', () => {
    const largestBytes = entryBytes(buildOrderCompletedDetail(largestKey, EVENT_ID, largestAllowed));
    const anyValue = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.string({ unit: 'binary', maxLength: 3_000 }),
      fc.integer({ min: 1, max: 400_000 }).map((n) => 'x'.repeat(n)),
      fc.integer({ min: 1, max: 2_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i, i]))),
    );
    const key = fc.record({
      account_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
      order_handle: fc
        .string({ unit: 'binary', minLength: 1, maxLength: MAX_HANDLE_CODE_POINTS })
        .filter((handle) => handle.isWellFormed()),
      type: fc.constantFrom('pick' as const, 'drop' as const),
      type_index: fc.integer({ min: 0, max: MAX_ORDER_INDEX }),
      fulfillment_attempt: fc.integer({ min: 0, max: MAX_ORDER_INDEX }),
    });
    const stored = fc.record({
      route_handle: anyValue,
      worker_handle: anyValue,
      device_id: anyValue,
      share_url: anyValue,
      metadata: anyValue,
      destination: fc.oneof(
        anyValue,
        fc.record({
          geometry: fc.record({ type: fc.constant('Point'), coordinates: fc.array(fc.double(), { maxLength: 4 }) }),
          address: anyValue,
          radius: anyValue,
          extra: anyValue,
        }),
      ),
    });
    fc.assert(
      fc.property(key, stored, (orderKey, fields) => {
        const detail = buildOrderCompletedDetail(orderKey, EVENT_ID, {
          completed_at: largestAllowed.completed_at,
          ...(fields as Record<string, unknown>),
        });
        expect(parseOrderCompletedDetail(detail)).toEqual(detail);
        expect(entryBytes(detail)).toBeLessThanOrEqual(largestBytes);
      }),
      propertyParameters(200),
    );
  });
});
