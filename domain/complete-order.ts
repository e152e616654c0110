import { toApiOrder } from './api-order';
import {
  decideCompletion,
  orderCompletedTimelineEvent,
  orderCompletedTimelineEventWithoutRoute,
} from './completion-rules';
import { OrderNotCompletable, OrderNotFound } from './errors';
import type { Order } from './order';
import type { OrderKey, OrderStatus } from './order-fields';
import {
  holdEvent,
  newPendingEvent,
  publishHeldEvent,
  takeLease,
  withRouteHandleFilled,
  type HeldEvent,
  type OutboxDeps,
} from './outbox';
import type { CompletionWrite, OrderStore, StoredOrder } from './ports';
import { isExactSelector, selectRecord, type OrderSelector } from './selection';

export interface CompleteOrderDeps extends OutboxDeps {
  store: OrderStore;
  now: () => Date;
  /** How long the completing request holds the right to publish before a retry or the relay may take over. */
  publishLeaseMs: number;
  /**
   * The most the request path waits for EventBridge (well under publishLeaseMs, so nobody else publishes while
   * it still may). Past it the event is left pending for the relay and the request still answers.
   */
  publishTimeoutMs: number;
}

/** Time kept back, after the publish budget, to release the lease and answer. */
export const PUBLISH_MARGIN_MS = 500;

export interface CompleteOrderInput {
  account_id: string;
  order_handle: string;
  selector: OrderSelector;
  /** Milliseconds this request may still take (the handler's deadline); unbounded when absent. */
  timeLeftMs?: () => number;
  /** Aborts when the request was answered without this call (the handler's early timeout): its calls stop. */
  signal?: AbortSignal;
}

export interface CompleteOrderResult {
  order: Order;
  /** True when this call made the transition (false: it was already completed). */
  transitioned: boolean;
  /** True when this call tried to publish the event and could not: it stays pending for the relay. */
  publishFailed: boolean;
}

/**
 * Complete an order: select the record (no read when the query names it exactly), make ONE conditional write
 * (domain/completion-rules.ts says which statuses it moves), then publish OrderCompleted through the outbox
 * (domain/outbox.ts). Once the write succeeded the answer is the completed order even if the publish fails: the event
 * stays pending on the order and the relay (domain/relay-pending-events.ts) delivers it later.
 */
export const completeOrder = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
): Promise<CompleteOrderResult> => {
  const now = deps.now();
  const completedAt = now.toISOString();
  const { key, timeline_event, track } = await selectForWrite(deps, input, completedAt);
  const write: CompletionWrite = {
    key,
    completed_at: completedAt,
    timeline_event,
    pending_event: newPendingEvent(key, completedAt, now.getTime(), deps.publishLeaseMs),
    ...(track === undefined ? {} : { track }),
  };
  const result = await deps.store.complete(write, { signal: input.signal });

  switch (result.outcome) {
    case 'missing':
      throw new OrderNotFound();
    case 'completed': {
      deps.counters?.count('OrdersCompleted');
      const held = mustHold(write.key, result.order, write.pending_event);
      const published = await publishHeldEvent(deps, held, publishBudget(deps, input), input.signal);
      return { order: answer(result.order), transitioned: true, publishFailed: !published };
    }
    case 'unchanged':
      return answerUnchanged(deps, input, write.key, result.order);
  }
};

/** The record to complete and the timeline event to append; the exact-record path selects without a read. */
const selectForWrite = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
  completedAt: string,
): Promise<Pick<CompletionWrite, 'key' | 'timeline_event' | 'track'>> => {
  if (isExactSelector(input.selector)) {
    // The write answers 404 if the record does not exist; the event's route_handle is filled in by the outbox.
    const key: OrderKey = { account_id: input.account_id, order_handle: input.order_handle, ...input.selector };
    return { key, timeline_event: orderCompletedTimelineEventWithoutRoute(key, completedAt) };
  }
  const records = await deps.store.findRecords(input.account_id, input.order_handle, input.selector, {
    signal: input.signal,
  });
  const record = selectRecord(records, input.selector);
  const key: OrderKey = {
    account_id: input.account_id,
    order_handle: input.order_handle,
    type: record.type,
    type_index: record.type_index,
    fulfillment_attempt: record.fulfillment_attempt,
  };
  return {
    key,
    timeline_event: orderCompletedTimelineEvent(key, record.route_handle, completedAt),
    ...(record.track === undefined ? {} : { track: record.track }),
  };
};

/**
 * The write's condition refused: the refusal rule answers 409; the idempotency rule answers the stored order,
 * having written nothing, and publishes only an event a failed or dead publisher left pending (same event_id).
 */
const answerUnchanged = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
  key: OrderKey,
  order: StoredOrder,
): Promise<CompleteOrderResult> => {
  const status = order.status as OrderStatus;
  switch (decideCompletion(status)) {
    case 'refuse':
      throw new OrderNotCompletable(status);
    case 'complete':
      // The write's condition only refuses statuses outside the completable set; reaching here is a bug, not a race.
      throw new Error(`conditional completion refused an order in status ${status}`);
    case 'already_completed':
      break;
  }
  const published = await republishIfAbandoned(deps, input, key, order);
  return { order: answer(order), transitioned: false, publishFailed: published === false };
};

/** Undefined when there was nothing this call could publish (no pending event, or someone else holds its lease). */
const republishIfAbandoned = async (
  deps: CompleteOrderDeps,
  input: CompleteOrderInput,
  key: OrderKey,
  order: StoredOrder,
): Promise<boolean | undefined> => {
  const pending = order.pending_event;
  if (pending === undefined) return undefined;
  const lease = await takeLease(
    deps,
    { key, order, pending_event: pending },
    deps.now().getTime(),
    deps.publishLeaseMs,
  );
  if (lease === 'leased') return undefined;
  if (lease === 'no_completed_at') throw new Error('completed order without completed_at');
  return publishHeldEvent(deps, lease, publishBudget(deps, input), input.signal);
};

const mustHold = (key: OrderKey, order: StoredOrder, pending: CompletionWrite['pending_event']): HeldEvent => {
  const held = holdEvent(key, order, pending);
  if (held === undefined) throw new Error('completed order without completed_at');
  return held;
};

/** The publish waits at most publishTimeoutMs, and ends before the request's own deadline. */
const publishBudget = (deps: CompleteOrderDeps, input: CompleteOrderInput): number => {
  const timeLeft = input.timeLeftMs === undefined ? Infinity : input.timeLeftMs() - PUBLISH_MARGIN_MS;
  return Math.min(deps.publishTimeoutMs, timeLeft);
};

const answer = (order: StoredOrder): Order => toApiOrder(withRouteHandleFilled(order));
