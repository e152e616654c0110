import { PublishSkipped } from './circuit-breaker';
import { describeError } from './errors';
import { buildOrderCompletedDetail, orderCompletedEventId, type OrderCompletedDetail } from './order-completed-event';
import type { OrderKey } from './order-fields';
import type {
  CounterSink,
  LeaseSettle,
  OrderCompletedPublisher,
  PendingEventStore,
  PendingEvent,
  PendingEventLease,
  PendingOrderEvent,
  RouteHandleFill,
  StoredOrder,
  WarningSink,
} from './ports';

/**
 * The outbox, in one place. The completing write records a pending OrderCompleted event on the order (its id, since
 * when, and a lease); whoever holds the lease publishes it and then settles it: a confirmed publish clears the marker,
 * a failed one releases the lease so the next publisher may go at once. The request path publishes the one event its
 * write just recorded, within its time budget (domain/complete-order.ts); the relay takes the lease of every event
 * whose lease ran out and publishes them in batches (domain/relay-pending-events.ts). Every publish of one completion
 * carries the same event_id, so subscribers de-duplicate. This is the only domain file that calls the lease port.
 */

/** The pending event a completion at `completedAt` records, its lease held by the completing request. */
export const newPendingEvent = (key: OrderKey, completedAt: string, nowMs: number, leaseMs: number): PendingEvent => ({
  event_id: orderCompletedEventId(key, completedAt),
  since: completedAt,
  lease_until: nowMs + leaseMs,
});

/** The lease rule: a pending event may be taken over only once its lease ran out. */
export const leaseRanOut = (pending: PendingEvent, nowMs: number): boolean => pending.lease_until <= nowMs;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The route-handle fill: where a completed order's order_completed event was stored without its route_handle (the
 * exact-record path writes without a read), and the value it takes. The settling write (clear or release) sets it.
 */
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

export interface OutboxDeps {
  store: PendingEventLease;
  publisher: OrderCompletedPublisher;
  warnings: WarningSink;
  /** Where publish failures are counted (absent: not counted). */
  counters?: CounterSink;
}

/** A pending event whose lease this publisher holds (pending.lease_until), with the detail it publishes. */
export interface HeldEvent extends PendingOrderEvent {
  detail: OrderCompletedDetail;
}

/** The event to publish for a completed order, or undefined when the order lacks its completed_at. */
export const holdEvent = (key: OrderKey, order: StoredOrder, pending: PendingEvent): HeldEvent | undefined => {
  const completedAt = order.completed_at;
  if (typeof completedAt !== 'string') return undefined;
  const detail = buildOrderCompletedDetail(key, pending.event_id, { ...order, completed_at: completedAt });
  return { key, order, pending_event: pending, detail };
};

export type TakeLeaseResult = HeldEvent | 'leased' | 'no_completed_at';

/**
 * Takes the lease of a pending event whose lease ran out (a conditional write on the lease it saw): 'leased' when
 * someone else holds it now (a request mid-publish, a relay pass), 'no_completed_at' when the order cannot make an
 * event (nothing is written then).
 */
export const takeLease = async (
  deps: Pick<OutboxDeps, 'store'>,
  event: PendingOrderEvent,
  nowMs: number,
  leaseMs: number,
): Promise<TakeLeaseResult> => {
  const pending = event.pending_event;
  if (!leaseRanOut(pending, nowMs)) return 'leased';
  const leaseUntil = nowMs + leaseMs;
  const held = holdEvent(event.key, event.order, { ...pending, lease_until: leaseUntil });
  if (held === undefined) return 'no_completed_at';
  const claimed = await deps.store.claimPendingEvent(event.key, pending.event_id, pending.lease_until, leaseUntil);
  return claimed ? held : 'leased';
};

/**
 * takeLease for many events (the relay's page): one batch call when the store has one (PendingEventStore
 * claimPendingEvents), else one conditional write each. Same rule and results as takeLease, in the events' order.
 */
export const takeLeases = async (
  deps: { store: PendingEventLease | PendingEventStore },
  events: readonly PendingOrderEvent[],
  nowMs: number,
  leaseMs: number,
): Promise<TakeLeaseResult[]> => {
  const store = deps.store as PendingEventStore;
  if (store.claimPendingEvents === undefined) {
    return Promise.all(events.map((event) => takeLease(deps, event, nowMs, leaseMs)));
  }
  const leaseUntil = nowMs + leaseMs;
  const results: TakeLeaseResult[] = [];
  const claims: { position: number; held: HeldEvent }[] = [];
  events.forEach((event, position) => {
    const pending = event.pending_event;
    if (!leaseRanOut(pending, nowMs)) return results.push('leased');
    const held = holdEvent(event.key, event.order, { ...pending, lease_until: leaseUntil });
    if (held === undefined) return results.push('no_completed_at');
    claims.push({ position, held });
    return results.push('leased');
  });
  if (claims.length === 0) return results;
  const claimed = await store.claimPendingEvents(
    claims.map(({ position, held }) => ({
      key: held.key,
      event_id: held.pending_event.event_id,
      expired_lease_until: (events[position] as PendingOrderEvent).pending_event.lease_until,
      lease_until: leaseUntil,
    })),
  );
  claims.forEach(({ position, held }, i) => {
    if (claimed[i] === true) results[position] = held;
  });
  return results;
};

/** Who publishes, and so how its warnings read. */
export type OutboxVoice = 'request' | 'relay';

const WARNINGS: Record<OutboxVoice, { notPublished: string; stillPending: string; notReleased: string }> = {
  request: {
    notPublished: 'OrderCompleted not published; left pending for the relay',
    stillPending: 'published event still marked pending',
    notReleased: 'could not release publish lease',
  },
  relay: {
    notPublished: 'relay could not publish OrderCompleted; retried next pass',
    stillPending: 'relayed event still marked pending',
    notReleased: 'relay could not release publish lease',
  },
};

/** The request path's warning carries the error; the relay's the publisher's reason. */
const FAILURE_FIELD: Record<OutboxVoice, string> = { request: 'error', relay: 'reason' };

/**
 * Settles a held event after its publish: cleared when EventBridge confirmed it (`failure` undefined), released
 * otherwise. Either write also sets a missing route_handle. A settling write that fails is only warned about: a
 * still-marked event is published again with the same event_id; an unreleased lease simply runs out. A publish the
 * circuit breaker skipped (`skipped`) is released and counted like a failure, without a warning per request: the
 * breaker logs its own state changes once each (domain/circuit-breaker.ts).
 */
const settle = async (
  deps: OutboxDeps,
  voice: OutboxVoice,
  held: HeldEvent,
  failure?: string,
  skipped = false,
): Promise<void> => {
  const eventId = held.pending_event.event_id;
  const fill = routeHandleFill(held.order);
  const warned = (message: string) => (error: unknown) =>
    deps.warnings.warn(message, { event_id: eventId, error: describeError(error) });
  if (failure === undefined) {
    await deps.store.clearPendingEvent(held.key, eventId, fill).catch(warned(WARNINGS[voice].stillPending));
    return;
  }
  deps.counters?.count('PublishFailures');
  if (skipped) deps.counters?.count('PublishesSkipped');
  else deps.warnings.warn(WARNINGS[voice].notPublished, { event_id: eventId, [FAILURE_FIELD[voice]]: failure });
  await deps.store
    .releasePendingEvent(held.key, eventId, held.pending_event.lease_until, fill)
    .catch(warned(WARNINGS[voice].notReleased));
};

/** Below this there is no point calling EventBridge: the event is left to the relay at once. */
export const MIN_PUBLISH_BUDGET_MS = 100;

/** The request path's publish: one event, within `budgetMs`, then settled. True when EventBridge confirmed it. */
export const publishHeldEvent = async (
  deps: OutboxDeps,
  held: HeldEvent,
  budgetMs: number,
  signal?: AbortSignal,
): Promise<boolean> => {
  let failure: string | undefined;
  let skipped = false;
  try {
    if (budgetMs < MIN_PUBLISH_BUDGET_MS) throw new Error(`no time left to publish (${Math.floor(budgetMs)} ms)`);
    await deps.publisher.publish(held.detail, { timeoutMs: budgetMs, ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    failure = describeError(error);
    skipped = error instanceof PublishSkipped;
  }
  await settle(deps, 'request', held, failure, skipped);
  return failure === undefined;
};

/**
 * The relay's settling writes as one batch (PendingEventStore settlePendingEvents): the same writes, counts and
 * warnings as settle() for each event.
 */
const settleBatch = async (
  deps: OutboxDeps,
  store: PendingEventStore,
  held: readonly HeldEvent[],
  confirmed: ReadonlySet<string>,
  reasons: ReadonlyMap<string, string>,
): Promise<void> => {
  const settles: LeaseSettle[] = held.map((event) => {
    const eventId = event.pending_event.event_id;
    const ok = confirmed.has(eventId);
    if (!ok) {
      deps.counters?.count('PublishFailures');
      deps.warnings.warn(WARNINGS.relay.notPublished, {
        event_id: eventId,
        reason: reasons.get(eventId) ?? 'no result',
      });
    }
    return {
      key: event.key,
      event_id: eventId,
      outcome: ok ? 'clear' : 'release',
      held_lease_until: event.pending_event.lease_until,
      fill: routeHandleFill(event.order),
    };
  });
  let errors: unknown[];
  try {
    errors = (await store.settlePendingEvents?.(settles)) ?? [];
  } catch (error) {
    errors = settles.map(() => error);
  }
  errors.forEach((error, i) => {
    if (error === undefined) return;
    const settle = settles[i] as LeaseSettle;
    const message = settle.outcome === 'clear' ? WARNINGS.relay.stillPending : WARNINGS.relay.notReleased;
    deps.warnings.warn(message, { event_id: settle.event_id, error: describeError(error) });
  });
};

/** The relay's publish: many events (the publisher sends them 10 per PutEvents call), each then settled. */
export const publishHeldEvents = async (
  deps: OutboxDeps,
  held: readonly HeldEvent[],
): Promise<{ published: number; failed: number }> => {
  const outcome = await deps.publisher.publishBatch(held.map((event) => event.detail));
  const confirmed = new Set(outcome.published);
  const reasons = new Map(outcome.failed.map((failure) => [failure.event_id, failure.reason]));
  const counts = { published: 0, failed: 0 };
  const store = deps.store as PendingEventStore;
  if (store.settlePendingEvents !== undefined) {
    for (const event of held) {
      if (confirmed.has(event.pending_event.event_id)) counts.published += 1;
      else counts.failed += 1;
    }
    await settleBatch(deps, store, held, confirmed, reasons);
    return counts;
  }
  await Promise.all(
    held.map((event) => {
      const eventId = event.pending_event.event_id;
      if (confirmed.has(eventId)) {
        counts.published += 1;
        return settle(deps, 'relay', event);
      }
      counts.failed += 1;
      return settle(deps, 'relay', event, reasons.get(eventId) ?? 'no result');
    }),
  );
  return counts;
};
