import { describe, expect, test } from '@jest/globals';
import { orderCompletedTimelineEvent, orderCompletedTimelineEventWithoutRoute } from '../../../domain/completion-rules';
import { routeHandleFill, withRouteHandleFilled } from '../../../domain/outbox';
import type { OrderKey } from '../../../domain/order-fields';

/** The exact-record path's event: stored without route_handle, filled from the order (domain/outbox.ts). */
const key: OrderKey = { account_id: 'a', order_handle: 'o-1', type: 'drop', type_index: 0, fulfillment_attempt: 1 };
const AT = '2025-03-01T12:00:00.000Z';
const earlier = { type: 'order_started', recorded_at: '2025-03-01T11:00:00.000Z' };
const completed = (timeline: unknown[], routeHandle: unknown = 'route-9') => ({
  status: 'completed',
  completed_at: AT,
  route_handle: routeHandle,
  timeline,
});

describe('the order_completed event without route_handle', () => {
  test('is the contract event minus route_handle', () => {
    const { route_handle: _route, ...rest } = orderCompletedTimelineEvent(key, 'r', AT);
    expect(orderCompletedTimelineEventWithoutRoute(key, AT)).toEqual(rest);
    expect(orderCompletedTimelineEventWithoutRoute(key, AT)).not.toHaveProperty('route_handle');
  });
});

describe('routeHandleFill', () => {
  test('finds the completion event by type and recorded_at and takes the order’s route_handle', () => {
    const order = completed([earlier, orderCompletedTimelineEventWithoutRoute(key, AT)]);
    expect(routeHandleFill(order)).toEqual({ index: 1, recorded_at: AT, route_handle: 'route-9' });
  });

  test.each([null, undefined, 42])('route_handle %p on the order -> null in the event', (value) => {
    const order = { ...completed([orderCompletedTimelineEventWithoutRoute(key, AT)]), route_handle: value };
    expect(routeHandleFill(order)?.route_handle).toBeNull();
  });

  test('nothing to fill: the event has route_handle (even null), or there is no completion event', () => {
    expect(routeHandleFill(completed([orderCompletedTimelineEvent(key, null, AT)]))).toBeUndefined();
    expect(routeHandleFill(completed([orderCompletedTimelineEvent(key, 'r', AT)]))).toBeUndefined();
    expect(routeHandleFill(completed([earlier]))).toBeUndefined();
    expect(routeHandleFill({ status: 'ongoing', timeline: [earlier] })).toBeUndefined();
    expect(routeHandleFill(completed(null as unknown as unknown[]))).toBeUndefined();
  });

  test('an older completion event (a previous completed_at) is not touched', () => {
    const old = { ...orderCompletedTimelineEventWithoutRoute(key, '2024-01-01T00:00:00.000Z') };
    expect(routeHandleFill(completed([old]))).toBeUndefined();
  });
});

describe('withRouteHandleFilled', () => {
  test('returns a copy with the event filled; the stored order is not changed', () => {
    const event = orderCompletedTimelineEventWithoutRoute(key, AT);
    const order = completed([earlier, event]);
    const filled = withRouteHandleFilled(order);
    expect(filled.timeline[1]).toEqual({ ...event, route_handle: 'route-9' });
    expect(filled.timeline[0]).toBe(earlier);
    expect(order.timeline[1]).not.toHaveProperty('route_handle');
  });

  test('returns the same object when there is nothing to fill', () => {
    const order = completed([orderCompletedTimelineEvent(key, 'r', AT)]);
    expect(withRouteHandleFilled(order)).toBe(order);
  });
});
