import {
  decideCompletion,
  orderCompletedEventId,
  orderCompletedTimelineEvent,
  orderCompletedTimelineEventWithoutRoute,
  routeHandleFill,
  withRouteHandleFilled,
  type PendingEvent,
} from './completion';
import { DependencyUnavailable, EventNotPublished, OrderNotCompletable, OrderNotFound } from './errors';
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
  /** How long the completing request holds the right to publish before a retry may take over. */
  publishLeaseMs: number;
  /** Where completions and publish failures are counted (absent: not counted). */
  counters?: CounterSink;
}

export interface CompleteOrderInput {
  account_id: string;
  order_handle: string;
  selector: OrderSelector;
}

export interface CompleteOrderResult {
  order: Order;
  /** True when this call made the transition (false: it was already completed). */
  transitioned: boolean;
}

/**
 * Complete an order: select the record (no read when the query names it exactly), make ONE conditional write,
 * publish OrderCompleted, then one small write clears the pending marker.
 * Completing a completed order answers it as stored and only re-publishes an event left pending.
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
    case 'completed':
      deps.counters?.count('OrdersCompleted');
      await publishPendingEvent(deps, key, result.order, pendingEvent.event_id, pendingEvent.lease_until);
      return { order: toApiOrder(withRouteHandleFilled(result.order)), transitioned: true };
    case 'unchanged': {
      const status = result.order.status as OrderStatus;
      const decision = decideCompletion(status);
      if (decision === 'refuse') throw new OrderNotCompletable(status);
      if (decision === 'complete') {
        // The write's condition only refuses non-completable statuses; reaching here is a bug, not a race.
        throw new Error(`conditional completion refused an order in status ${status}`);
      }
      await republishIfAbandoned(deps, key, result.order);
      return { order: toApiOrder(withRouteHandleFilled(result.order)), transitioned: false };
    }
  }
};

/**
 * A completed order still carrying a pending event whose lease ran out (its publisher failed or died):
 * take the lease over and publish it again, with the same event_id.
 */
const republishIfAbandoned = async (deps: CompleteOrderDeps, key: OrderKey, order: StoredOrder): Promise<void> => {
  const pending = order.pending_event;
  if (pending === undefined) return;
  const now = deps.now().getTime();
  if (pending.lease_until > now) return; // another request is publishing it right now
  const leaseUntil = now + deps.publishLeaseMs;
  const claimed = await deps.store.claimPendingEvent(key, pending.event_id, pending.lease_until, leaseUntil);
  if (!claimed) return;
  await publishPendingEvent(deps, key, order, pending.event_id, leaseUntil);
};

const publishPendingEvent = async (
  deps: CompleteOrderDeps,
  key: OrderKey,
  order: StoredOrder,
  eventId: string,
  leaseUntil: number,
): Promise<void> => {
  const completedAt = order.completed_at;
  if (typeof completedAt !== 'string') throw new Error('completed order without completed_at');
  const detail = buildOrderCompletedDetail(key, eventId, { ...order, completed_at: completedAt });
  const fill = routeHandleFill(order);
  try {
    await deps.publisher.publish(detail);
  } catch (error) {
    deps.counters?.count('PublishFailures');
    // The event stays pending on the order; let the next retry publish it without waiting for the lease.
    await deps.store
      .releasePendingEvent(key, eventId, leaseUntil, fill)
      .catch((releaseError: unknown) =>
        deps.warnings.warn('could not release publish lease', { event_id: eventId, error: describe(releaseError) }),
      );
    if (error instanceof DependencyUnavailable || error instanceof EventNotPublished) {
      throw new EventNotPublished({ cause: error });
    }
    throw error;
  }
  try {
    await deps.store.clearPendingEvent(key, eventId, fill);
  } catch (error) {
    // Published but still marked pending: a later publish repeats the same event_id, which subscribers de-duplicate.
    deps.warnings.warn('published event still marked pending', { event_id: eventId, error: describe(error) });
  }
};

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
