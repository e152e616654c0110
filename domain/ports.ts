import type { OrderCompletedTimelineEvent, PendingEvent } from './completion';
import type { OrderCompletedDetail } from './order-completed-event';
import type { OrderKey } from './order';
import type { OrderSelector, RecordRef } from './selection';

/**
 * What the completion use case needs from the outside world. Adapters implement these;
 * tests can swap them without a mocking library.
 */

/** A stored order record: the API's fields plus internal attributes (pending_event, keys). */
export type StoredOrder = Record<string, unknown> & { status: string; pending_event?: PendingEvent };

export interface CompletionWrite {
  key: OrderKey;
  completed_at: string;
  timeline_event: OrderCompletedTimelineEvent;
  pending_event: PendingEvent;
}

export type CompletionWriteResult =
  /** The conditional write happened: the order as it is now. */
  | { outcome: 'completed'; order: StoredOrder }
  /** The condition refused (status not completable): the order as it was, nothing written. */
  | { outcome: 'unchanged'; order: StoredOrder }
  | { outcome: 'missing' };

export interface OrderStore {
  /** The records of one handle of one account that may match the selector (possibly more; never fewer). */
  findRecords(accountId: string, orderHandle: string, selector: OrderSelector): Promise<RecordRef[]>;
  /** ONE conditional write: completable status -> completed, timeline event appended, pending event recorded. */
  complete(write: CompletionWrite): Promise<CompletionWriteResult>;
  /** Takes over publishing of a pending event whose lease ran out. False when someone else holds it now. */
  claimPendingEvent(key: OrderKey, eventId: string, expiredLeaseUntil: number, leaseUntil: number): Promise<boolean>;
  /** Gives up the lease this publisher holds (leaseUntil) after a failed publish, so a retry may publish at once. */
  releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number): Promise<void>;
  /** Removes the pending marker after a confirmed publish (no-op when already removed). */
  clearPendingEvent(key: OrderKey, eventId: string): Promise<void>;
}

export interface OrderCompletedPublisher {
  /** Resolves only when EventBridge confirmed the entry (FailedEntryCount 0, no entry ErrorCode). */
  publish(detail: OrderCompletedDetail): Promise<void>;
}

export interface AccountCredential {
  /** Random salt, hex. */
  salt: string;
  /** HMAC-SHA256(key = salt, message = secret), hex. */
  secret_hash: string;
}

export interface CredentialStore {
  find(accountId: string): Promise<AccountCredential | undefined>;
}

/** Where the use case reports things worth an operator's attention without failing the request. */
export interface WarningSink {
  warn(message: string, details: Record<string, unknown>): void;
}
