import { createHash } from 'node:crypto';
import type { OrderKey, OrderStatus, OrderType } from './order';

/**
 * The completion rules: which statuses complete, which are already done, which refuse,
 * and what the order_completed timeline event looks like.
 */

export const COMPLETABLE_STATUSES = ['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'] as const;
/** Already done: completing again answers the stored order, writes nothing, publishes nothing new. */
export const ALREADY_COMPLETED_STATUSES = ['completed', 'summarizing'] as const;
/** Never completable: 409. */
export const REFUSING_STATUSES = ['cancelled', 'disabled'] as const;

export type CompletionDecision = 'complete' | 'already_completed' | 'refuse';

export const decideCompletion = (status: OrderStatus): CompletionDecision => {
  if ((COMPLETABLE_STATUSES as readonly string[]).includes(status)) return 'complete';
  if ((ALREADY_COMPLETED_STATUSES as readonly string[]).includes(status)) return 'already_completed';
  return 'refuse';
};

export interface OrderCompletedTimelineEvent {
  type: 'order_completed';
  recorded_at: string;
  order_handle: string;
  route_handle: string | null;
  order_type: OrderType;
  fulfillment_attempt: number;
}

export const orderCompletedTimelineEvent = (
  key: OrderKey,
  routeHandle: string | null | undefined,
  completedAt: string,
): OrderCompletedTimelineEvent => ({
  type: 'order_completed',
  recorded_at: completedAt,
  order_handle: key.order_handle,
  route_handle: routeHandle ?? null,
  order_type: key.type,
  fulfillment_attempt: key.fulfillment_attempt,
});

/**
 * The order_completed event as the exact-record path writes it: without a read the completing write does not know
 * the record's route_handle, so the event is stored without it and the write that follows the publish (clearing the
 * pending marker, or releasing its lease) fills it in from the completed order (`routeHandleFill`). Until then every
 * response shows it filled (`withRouteHandleFilled`), so callers always see the contract's event.
 */
export type OrderCompletedTimelineEventWithoutRoute = Omit<OrderCompletedTimelineEvent, 'route_handle'>;

export const orderCompletedTimelineEventWithoutRoute = (
  key: OrderKey,
  completedAt: string,
): OrderCompletedTimelineEventWithoutRoute => {
  const { route_handle: _unknown, ...event } = orderCompletedTimelineEvent(key, null, completedAt);
  return event;
};

/** Where a completed order's order_completed event still lacks its route_handle, and the value it takes. */
export interface RouteHandleFill {
  /** Index of the event in the timeline. */
  index: number;
  /** The event's recorded_at (the completion time): the store checks it still names the same event. */
  recorded_at: string;
  route_handle: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fill a completed order still needs (its completion's event stored without route_handle), if any. */
export const routeHandleFill = (order: Record<string, unknown>): RouteHandleFill | undefined => {
  const completedAt = order.completed_at;
  const timeline = order.timeline;
  if (typeof completedAt !== 'string' || !Array.isArray(timeline)) return undefined;
  for (let index = timeline.length - 1; index >= 0; index -= 1) {
    const event: unknown = timeline[index];
    if (isRecord(event) && event.type === 'order_completed' && event.recorded_at === completedAt) {
      if ('route_handle' in event) return undefined;
      const routeHandle = order.route_handle;
      return { index, recorded_at: completedAt, route_handle: typeof routeHandle === 'string' ? routeHandle : null };
    }
  }
  return undefined;
};

/** The order with its completion's event showing route_handle (a shallow copy; the order itself is not changed). */
export const withRouteHandleFilled = <T extends Record<string, unknown>>(order: T): T => {
  const fill = routeHandleFill(order);
  if (fill === undefined) return order;
  const timeline = [...(order.timeline as unknown[])];
  timeline[fill.index] = { ...(timeline[fill.index] as Record<string, unknown>), route_handle: fill.route_handle };
  return { ...order, timeline };
};

/**
 * The OrderCompleted event id: a hash of the record's identity and its completion time, so every
 * publish of the same completion (request path, retry, relay) carries the same id.
 */
export const orderCompletedEventId = (key: OrderKey, completedAt: string): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        'OrderCompleted',
        key.account_id,
        key.order_handle,
        key.type,
        key.type_index,
        key.fulfillment_attempt,
        completedAt,
      ]),
    )
    .digest('hex')
    .slice(0, 32);

/** The outbox marker the completing write leaves on the order until a publish is confirmed. */
export interface PendingEvent {
  event_id: string;
  /** When the event became pending (the completion time). */
  since: string;
  /** Epoch ms until which one publisher holds the right to publish; others leave it alone. */
  lease_until: number;
}
