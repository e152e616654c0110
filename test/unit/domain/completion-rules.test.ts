import { describe, expect, test } from '@jest/globals';
import {
  ALREADY_COMPLETED_STATUSES,
  COMPLETABLE_STATUSES,
  REFUSING_STATUSES,
  decideCompletion,
  orderCompletedTimelineEvent,
  type CompletionDecision,
} from '../../../domain/completion-rules';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { ORDER_STATUSES, type OrderKey, type OrderStatus } from '../../../domain/order-fields';

const key: OrderKey = {
  account_id: 'acct-1',
  order_handle: 'order-1',
  type: 'drop',
  type_index: 2,
  fulfillment_attempt: 3,
};
const COMPLETED_AT = '2025-03-01T12:00:00.000Z';

describe('decideCompletion', () => {
  const expected: Record<OrderStatus, CompletionDecision> = {
    unplanned: 'complete',
    planned: 'complete',
    assigned: 'complete',
    dispatched: 'complete',
    ongoing: 'complete',
    completed: 'already_completed',
    summarizing: 'already_completed',
    cancelled: 'refuse',
    disabled: 'refuse',
  };

  test('the table covers every order status exactly once', () => {
    expect(Object.keys(expected).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(ORDER_STATUSES).toHaveLength(9);
  });

  test.each(Object.entries(expected) as [OrderStatus, CompletionDecision][])('%s -> %s', (status, decision) => {
    expect(decideCompletion(status)).toBe(decision);
  });

  test('the status groups partition the statuses', () => {
    const grouped = [...COMPLETABLE_STATUSES, ...ALREADY_COMPLETED_STATUSES, ...REFUSING_STATUSES];
    expect(new Set(grouped).size).toBe(grouped.length);
    expect([...grouped].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  test('an unknown status is refused, never completed', () => {
    expect(decideCompletion('archived' as OrderStatus)).toBe('refuse');
  });
});

describe('orderCompletedTimelineEvent', () => {
  test('has exactly the documented shape', () => {
    expect(orderCompletedTimelineEvent(key, 'route-9', COMPLETED_AT)).toStrictEqual({
      type: 'order_completed',
      recorded_at: COMPLETED_AT,
      order_handle: 'order-1',
      route_handle: 'route-9',
      order_type: 'drop',
      fulfillment_attempt: 3,
    });
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
  ])('route_handle is null when the route handle is %s', (_label, routeHandle) => {
    const event = orderCompletedTimelineEvent(key, routeHandle, COMPLETED_AT);
    expect(event.route_handle).toBeNull();
    expect(Object.keys(event)).toContain('route_handle');
  });

  test('keeps an empty-string route handle as given', () => {
    expect(orderCompletedTimelineEvent(key, '', COMPLETED_AT).route_handle).toBe('');
  });

  test('takes the order type and attempt from the key', () => {
    const event = orderCompletedTimelineEvent({ ...key, type: 'pick', fulfillment_attempt: 0 }, null, COMPLETED_AT);
    expect(event.order_type).toBe('pick');
    expect(event.fulfillment_attempt).toBe(0);
  });
});

describe('orderCompletedEventId', () => {
  test('is 32 lowercase hex characters', () => {
    expect(orderCompletedEventId(key, COMPLETED_AT)).toMatch(/^[0-9a-f]{32}$/);
  });

  test('is deterministic for the same key and completion time', () => {
    expect(orderCompletedEventId({ ...key }, COMPLETED_AT)).toBe(orderCompletedEventId(key, COMPLETED_AT));
  });

  test.each<[string, OrderKey, string]>([
    ['account_id', { ...key, account_id: 'acct-2' }, COMPLETED_AT],
    ['order_handle', { ...key, order_handle: 'order-2' }, COMPLETED_AT],
    ['type', { ...key, type: 'pick' }, COMPLETED_AT],
    ['type_index', { ...key, type_index: 3 }, COMPLETED_AT],
    ['fulfillment_attempt', { ...key, fulfillment_attempt: 4 }, COMPLETED_AT],
    ['completed_at', key, '2025-03-01T12:00:00.001Z'],
  ])('changes when %s changes', (_field, otherKey, otherCompletedAt) => {
    expect(orderCompletedEventId(otherKey, otherCompletedAt)).not.toBe(orderCompletedEventId(key, COMPLETED_AT));
  });

  test('does not confuse parts that concatenate to the same text', () => {
    const a = orderCompletedEventId({ ...key, type_index: 1, fulfillment_attempt: 23 }, COMPLETED_AT);
    const b = orderCompletedEventId({ ...key, type_index: 12, fulfillment_attempt: 3 }, COMPLETED_AT);
    expect(a).not.toBe(b);
    const c = orderCompletedEventId({ ...key, account_id: 'a', order_handle: 'b","c' }, COMPLETED_AT);
    const d = orderCompletedEventId({ ...key, account_id: 'a","b', order_handle: 'c' }, COMPLETED_AT);
    expect(c).not.toBe(d);
  });
});
