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
