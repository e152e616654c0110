import type { OrderCompletedTimelineEvent, OrderCompletedTimelineEventWithoutRoute } from './completion-rules';
import type { OrderCompletedDetail } from './order-completed-event';
import type { OrderKey } from './order-fields';
import type { OrderSelector, RecordRef, TrackRead } from './selection';

/**
 * What the completion use case needs from the outside world. Adapters implement these;
 * tests can swap them without a mocking library.
 */

/**
 * The outbox marker the completing write leaves on the order until a publish is confirmed (its rules:
 * domain/outbox.ts).
 */
export interface PendingEvent {
  event_id: string;
  /** When the event became pending (the completion time). */
  since: string;
  /** Epoch ms until which one publisher holds the right to publish; others leave it alone. */
  lease_until: number;
}

/** Where a completed order's order_completed event still lacks its route_handle, and the value it takes. */
export interface RouteHandleFill {
  /** Index of the event in the timeline. */
  index: number;
  /** The event's recorded_at (the completion time): the store checks it still names the same event. */
  recorded_at: string;
  route_handle: string | null;
}

/** A stored order record: the API's fields plus internal attributes (pending_event, keys). */
export type StoredOrder = Record<string, unknown> & { status: string; pending_event?: PendingEvent };

export interface CompletionWrite {
  key: OrderKey;
  completed_at: string;
  /** Without route_handle when the caller named the exact record and nothing was read (see completion-rules.ts). */
  timeline_event: OrderCompletedTimelineEvent | OrderCompletedTimelineEventWithoutRoute;
  pending_event: PendingEvent;
  /** The selection's read found the record's track stored apart: the store reads it alongside the write. */
  track?: TrackRead;
}

export type CompletionWriteResult =
  /** The conditional write happened: the order as it is now. */
  | { outcome: 'completed'; order: StoredOrder }
  /** The condition refused (status not completable): the order as it was, nothing written. */
  | { outcome: 'unchanged'; order: StoredOrder }
  | { outcome: 'missing' };

/** The outbox marker's lease: called only by domain/outbox.ts, for the request path and the relay. */
export interface PendingEventLease {
  /** Takes over publishing of a pending event whose lease ran out. False when someone else holds it now. */
  claimPendingEvent(key: OrderKey, eventId: string, expiredLeaseUntil: number, leaseUntil: number): Promise<boolean>;
  /**
   * Gives up the lease this publisher holds (leaseUntil) after a failed publish, so a retry may publish at once.
   * With `fill`, the same write sets the completion event's route_handle.
   */
  releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number, fill?: RouteHandleFill): Promise<void>;
  /**
   * Removes the pending marker after a confirmed publish (no-op when already removed). With `fill`, the same write
   * sets the completion event's route_handle.
   */
  clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void>;
}

export interface OrderStore extends PendingEventLease {
  /**
   * The records of one handle of one account that may match the selector (possibly more; never fewer). When the
   * selector fixes type and type_index, the latest attempt is enough (the store may return only it).
   */
  findRecords(
    accountId: string,
    orderHandle: string,
    selector: OrderSelector,
    options?: CallOptions,
  ): Promise<RecordRef[]>;
  /** ONE conditional write: completable status -> completed, timeline event appended, pending event recorded. */
  complete(write: CompletionWrite, options?: CallOptions): Promise<CompletionWriteResult>;
}

/** A completed order whose OrderCompleted event is not confirmed yet, as stored now. */
export interface PendingOrderEvent {
  key: OrderKey;
  pending_event: PendingEvent;
  /** The stored order (at least the fields the event's detail reads, and completed_at). */
  order: StoredOrder;
}

export interface PendingEventPage {
  events: PendingOrderEvent[];
  /** Where the next page starts; undefined when every pending event was listed. */
  cursor?: string | undefined;
}

export interface PendingEventsSummary {
  count: number;
  /** When the oldest pending event became pending; null when none is pending. */
  oldest_since: string | null;
}

/** One of `count` disjoint parts of the pending-events shards (0 <= index < count). */
export interface ListPart {
  index: number;
  count: number;
}

/** One lease to take in a batch (claimPendingEvent's arguments). */
export interface LeaseClaim {
  key: OrderKey;
  event_id: string;
  expired_lease_until: number;
  lease_until: number;
}

/** One settling write in a batch: clear after a confirmed publish, or release the lease held (`held_lease_until`). */
export interface LeaseSettle {
  key: OrderKey;
  event_id: string;
  outcome: 'clear' | 'release';
  held_lease_until: number;
  fill?: RouteHandleFill | undefined;
}

/** What the relay needs: the pending events, oldest first, and the lease to publish them one publisher at a time. */
export interface PendingEventStore extends PendingEventLease {
  /**
   * claimPendingEvent for many events in few calls (absent: one call each). True for each claim whose condition held
   * (this publisher holds the lease now), false where someone else does.
   */
  claimPendingEvents?(claims: readonly LeaseClaim[]): Promise<boolean[]>;
  /**
   * clearPendingEvent / releasePendingEvent for many events in few calls (absent: one call each). Per write: undefined
   * when done or when its condition no longer held (as the single writes: nothing to do), else the error.
   */
  settlePendingEvents?(settles: readonly LeaseSettle[]): Promise<unknown[]>;
  /**
   * Up to `limit` pending events after `cursor`, each read back (strongly consistent) from its order; with `part`,
   * only from that part of the shards (parts of one count never overlap and together cover every shard).
   */
  listPendingEvents(limit: number, cursor?: string, part?: ListPart): Promise<PendingEventPage>;
  summarizePendingEvents(): Promise<PendingEventsSummary>;
}

export interface PublishOptions {
  /** Give up (throw DependencyUnavailable) after this long, whatever the SDK's own budget. */
  timeoutMs?: number;
  /** Give up when this aborts (the request was answered meanwhile). */
  signal?: AbortSignal;
}

/** The request's abort signal, for the calls made while it may still answer. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface BatchPublishResult {
  /** event_ids EventBridge confirmed. */
  published: string[];
  /** event_ids it did not confirm (after the bounded retries), with why. */
  failed: { event_id: string; reason: string }[];
}

export interface OrderCompletedPublisher {
  /** Resolves only when EventBridge confirmed the entry (FailedEntryCount 0, no entry ErrorCode). */
  publish(detail: OrderCompletedDetail, options?: PublishOptions): Promise<void>;
  /**
   * Publishes many events, up to 10 per PutEvents call, retrying only the entries EventBridge refused
   * (bounded). Never throws for an outage: what was not confirmed is reported as failed.
   */
  publishBatch(details: readonly OrderCompletedDetail[]): Promise<BatchPublishResult>;
}

/** Where the use case reports things worth an operator's attention without failing the request. */
export interface WarningSink {
  warn(message: string, details: Record<string, unknown>): void;
}

/** Outcomes the use case counts for monitoring (published as metrics of the same names). */
export type UseCaseCounter =
  | 'OrdersCompleted'
  | 'PublishFailures'
  /** Publishes the open circuit breaker skipped (also counted in PublishFailures: the event was left pending). */
  | 'PublishesSkipped';

export interface CounterSink {
  count(name: UseCaseCounter): void;
}
