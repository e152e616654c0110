import {
  decideCompletion,
  orderCompletedEventId,
  orderCompletedTimelineEvent,
  orderCompletedTimelineEventWithoutRoute,
  routeHandleFill,
  withRouteHandleFilled,
  type PendingEvent,
} from './completion';
import { OrderNotCompletable, OrderNotFound } from './errors';
import { buildOrderCompletedDetail } from './order-completed-event';
import type { Order } from './order';
import { toApiOrder, type OrderKey, type OrderStatus } from './order-fields';
import type {
  CompletionWrite,
  CounterSink,
  OrderCompletedPublisher,
  OrderStore,
  StoredOrder,
  WarningSink,
} from './ports';
import { isExactSelector, selectRecord, type OrderSelector } from './selection';

export interface CompleteOrderDeps {
  store: OrderStore;
  publisher: OrderCompletedPublisher;
  warnings: WarningSink;
  now: () => Date;
  /** How long the completing request holds the right to publish before a retry or the relay may take over. */
  publishLeaseMs: number;
  /** Where completions and publish failures are counted (absent: not counted). */
  counters?: CounterSink;
  /**
   * The most the request path waits for EventBridge (well under publishLeaseMs, so nobody else publishes while
   * it still may). Past it the event is left pending for the relay and the request still answers.
   */
  publishTimeoutMs: number;
}

/** Time kept back, after the publish budget, to release the lease and answer. */
export const PUBLISH_MARGIN_MS = 500;
/** Below this there is no point calling EventBridge: the event is left to the relay at once. */
const MIN_PUBLISH_BUDGET_MS = 100;

export interface CompleteOrderInput {
  account_id: string;
  order_handle: string;
  selector: OrderSelector;
  /** Milliseconds this request may still take (the handler's deadline); unbounded when absent. */
  timeLeftMs?: () => number;
}

export interface CompleteOrderResult {
  order: Order;
  /** True when this call made the transition (false: it was already completed). */
  transitioned: boolean;
  /** True when this call tried to publish the event and could not: it stays pending for the relay. */
  publishFailed: boolean;
}

/**
 * Complete an order: select the record (no read when the query names it exactly), make ONE conditional write,
 * publish OrderCompleted, then one small write clears the pending marker.
 * Completing a completed order answers it as stored and only re-publishes an event left pending.
 * Once the write succeeded the answer is the completed order even if the publish fails: the event stays
 * pending on the order (outbox) and the relay (domain/relay-pending-events.ts) delivers it later.
 */
export const completeOrder = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
): Promise<CompleteOrderResult> => {
  const now = deps.now();
  const completedAt = now.toISOString();
  let key: OrderKey;
  let timelineEvent: CompletionWrite['timeline_event'];
  if (isExactSelector(input.selector)) {
    // The query names the record: no read. The write answers 404 if it does not exist; the event's route_handle is
    // filled in by the write after the publish (domain/completion.ts).
    key = { account_id: input.account_id, order_handle: input.order_handle, ...input.selector };
    timelineEvent = orderCompletedTimelineEventWithoutRoute(key, completedAt);
  } else {
    const records = await deps.store.findRecords(input.account_id, input.order_handle, input.selector);
    const record = selectRecord(records, input.selector);
    key = {
      account_id: input.account_id,
      order_handle: input.order_handle,
      type: record.type,
      type_index: record.type_index,
      fulfillment_attempt: record.fulfillment_attempt,
    };
    timelineEvent = orderCompletedTimelineEvent(key, record.route_handle, completedAt);
  }

  const pendingEvent: PendingEvent = {
    event_id: orderCompletedEventId(key, completedAt),
    since: completedAt,
    lease_until: now.getTime() + deps.publishLeaseMs,
  };
  const result = await deps.store.complete({
    key,
    completed_at: completedAt,
    timeline_event: timelineEvent,
    pending_event: pendingEvent,
  });

  switch (result.outcome) {
    case 'missing':
      throw new OrderNotFound();
    case 'completed': {
      deps.counters?.count('OrdersCompleted');
      const published = await publishPendingEvent(deps, input, key, result.order, pendingEvent);
      return { order: toApiOrder(withRouteHandleFilled(result.order)), transitioned: true, publishFailed: !published };
    }
    case 'unchanged': {
      const status = result.order.status as OrderStatus;
      const decision = decideCompletion(status);
      if (decision === 'refuse') throw new OrderNotCompletable(status);
      if (decision === 'complete') {
        // The write's condition only refuses non-completable statuses; reaching here is a bug, not a race.
        throw new Error(`conditional completion refused an order in status ${status}`);
      }
      const published = await republishIfAbandoned(deps, input, key, result.order);
      return {
        order: toApiOrder(withRouteHandleFilled(result.order)),
        transitioned: false,
        publishFailed: published === false,
      };
    }
  }
};

/**
 * A completed order still carrying a pending event whose lease ran out (its publisher failed or died):
 * take the lease over and publish it again, with the same event_id. Undefined when there was nothing
 * this call could publish (no pending event, or someone else holds the lease).
 */
const republishIfAbandoned = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
  key: OrderKey,
  order: StoredOrder,
): Promise<boolean | undefined> => {
  const pending = order.pending_event;
  if (pending === undefined) return undefined;
  const now = deps.now().getTime();
  if (pending.lease_until > now) return undefined; // another request or the relay is publishing it right now
  const leaseUntil = now + deps.publishLeaseMs;
  const claimed = await deps.store.claimPendingEvent(key, pending.event_id, pending.lease_until, leaseUntil);
  if (!claimed) return undefined;
  return publishPendingEvent(deps, input, key, order, { ...pending, lease_until: leaseUntil });
};

/**
 * Publishes the event this call holds the lease for, within its time budget. True when EventBridge confirmed
 * it (then the marker is cleared); false when it did not: the lease is released so the relay (or a retry)
 * may publish at once, and the request still answers, because the write it made stands.
 */
const publishPendingEvent = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
  key: OrderKey,
  order: StoredOrder,
  pending: PendingEvent,
): Promise<boolean> => {
  const completedAt = order.completed_at;
  if (typeof completedAt !== 'string') throw new Error('completed order without completed_at');
  const eventId = pending.event_id;
  const detail = buildOrderCompletedDetail(key, eventId, { ...order, completed_at: completedAt });
  const fill = routeHandleFill(order);
  const timeLeft = input.timeLeftMs === undefined ? Infinity : input.timeLeftMs() - PUBLISH_MARGIN_MS;
  const budget = Math.min(deps.publishTimeoutMs, timeLeft);
  try {
    if (budget < MIN_PUBLISH_BUDGET_MS) throw new Error(`no time left to publish (${Math.floor(budget)} ms)`);
    await deps.publisher.publish(detail, { timeoutMs: budget });
  } catch (error) {
    deps.counters?.count('PublishFailures');
    deps.warnings.warn('OrderCompleted not published; left pending for the relay', {
      event_id: eventId,
      error: describe(error),
    });
    // The event stays pending on the order; the relay (or a retry) may publish it without waiting for the lease.
    await deps.store
      .releasePendingEvent(key, eventId, pending.lease_until, fill)
      .catch((releaseError: unknown) =>
        deps.warnings.warn('could not release publish lease', { event_id: eventId, error: describe(releaseError) }),
      );
    return false;
  }
  try {
    await deps.store.clearPendingEvent(key, eventId, fill);
  } catch (error) {
    // Published but still marked pending: a later publish repeats the same event_id, which subscribers de-duplicate.
    deps.warnings.warn('published event still marked pending', { event_id: eventId, error: describe(error) });
  }
  return true;
};

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
