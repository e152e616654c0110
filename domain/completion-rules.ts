import type { OrderKey, OrderStatus, OrderType } from './order-fields';

/**
 * The completion rules, each declared once. The store's write condition (adapters/dynamodb/order-store.ts), the use
 * case (domain/complete-order.ts), the error mapper (handlers/http/error-mapper.ts, through OrderNotCompletable) and
 * the OpenAPI text (handlers/http/error-bodies.ts, openapi/build.ts) all read them from here.
 */

/** The completable set: the statuses the one conditional write moves to `completed`. */
export const COMPLETABLE_STATUSES = ['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'] as const;
/** The idempotency rule: completing again answers the stored order, writes nothing, publishes nothing new. */
export const ALREADY_COMPLETED_STATUSES = ['completed', 'summarizing'] as const;
/** The refusal rule: never completable, 409 (OrderNotCompletable). */
export const REFUSING_STATUSES = ['cancelled', 'disabled'] as const;

export type CompletableStatus = (typeof COMPLETABLE_STATUSES)[number];
export type AlreadyCompletedStatus = (typeof ALREADY_COMPLETED_STATUSES)[number];
export type RefusingStatus = (typeof REFUSING_STATUSES)[number];

/** The three sets cover every status exactly once (a new status fails to compile until it is placed in one). */
type Unplaced = Exclude<OrderStatus, CompletableStatus | AlreadyCompletedStatus | RefusingStatus>;
const everyStatusPlaced: [Unplaced] extends [never] ? true : Unplaced = true;
void everyStatusPlaced;

export type CompletionDecision = 'complete' | 'already_completed' | 'refuse';

export const isCompletable = (status: string): status is CompletableStatus =>
  (COMPLETABLE_STATUSES as readonly string[]).includes(status);

/** The idempotency rule as a test on a stored status. */
export const isAlreadyCompleted = (status: string): status is AlreadyCompletedStatus =>
  (ALREADY_COMPLETED_STATUSES as readonly string[]).includes(status);

/**
 * The three rules as one decision on a stored status. Anything outside the completable and already-completed sets is
 * refused (the refusal rule names the statuses the API has; a status it does not know is refused too, never completed).
 */
export const decideCompletion = (status: OrderStatus): CompletionDecision => {
  if (isCompletable(status)) return 'complete';
  if (isAlreadyCompleted(status)) return 'already_completed';
  return 'refuse';
};

/** What a completion appends to the order's timeline. */
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
 * the record's route_handle, so the event is stored without it and the outbox's settling write fills it in
 * (domain/outbox.ts, `routeHandleFill`). Until then every response shows it filled (`withRouteHandleFilled`).
 */
export type OrderCompletedTimelineEventWithoutRoute = Omit<OrderCompletedTimelineEvent, 'route_handle'>;

export const orderCompletedTimelineEventWithoutRoute = (
  key: OrderKey,
  completedAt: string,
): OrderCompletedTimelineEventWithoutRoute => {
  const { route_handle: _unknown, ...event } = orderCompletedTimelineEvent(key, null, completedAt);
  return event;
};
