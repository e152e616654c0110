/**
 * Hand-written in-memory stand-ins for the domain ports (no mocking library). The order store keeps
 * DynamoDB's conditional-write semantics so the use case can be exercised against realistic behaviour.
 */
import { COMPLETABLE_STATUSES, type PendingEvent, type RouteHandleFill } from '../../../domain/completion';
import type { OrderKey, OrderType } from '../../../domain/order';
import type { AccountCredentials, CredentialStore, SecretHash } from '../../../domain/credentials';
import type { CompletionWrite, CompletionWriteResult, OrderStore, StoredOrder } from '../../../domain/ports';
import type { OrderSelector, RecordRef } from '../../../domain/selection';

export { ManualClock, RecordingPublisher, RecordingWarnings } from '../../support/fakes';

export interface SeedOrder extends Record<string, unknown> {
  order_handle: string;
  type: OrderType;
  type_index: number;
  fulfillment_attempt: number;
  status: string;
  pending_event?: PendingEvent;
}

type StoreMethod = 'findRecords' | 'complete' | 'claimPendingEvent' | 'releasePendingEvent' | 'clearPendingEvent';

export interface StoreCall {
  method: StoreMethod;
  args: unknown[];
}

const id = (accountId: string, orderHandle: string, type: string, typeIndex: number, attempt: number): string =>
  JSON.stringify([accountId, orderHandle, type, typeIndex, attempt]);
const keyId = (key: OrderKey): string =>
  id(key.account_id, key.order_handle, key.type, key.type_index, key.fulfillment_attempt);

export class InMemoryOrderStore implements OrderStore {
  private readonly items = new Map<string, StoredOrder>();
  readonly calls: StoreCall[] = [];
  /** Make a method reject with this value (every call, until deleted). */
  readonly failures: Partial<Record<StoreMethod, unknown>> = {};
  /** Run just before a method does its work (to simulate a concurrent writer). */
  readonly before: Partial<Record<StoreMethod, () => void>> = {};

  /** Stores an order the way the table does: API fields plus account_id, pk, sk. */
  put(accountId: string, order: SeedOrder): void {
    const sk = `${order.type}#${String(order.type_index).padStart(10, '0')}#${String(order.fulfillment_attempt).padStart(10, '0')}`;
    this.items.set(id(accountId, order.order_handle, order.type, order.type_index, order.fulfillment_attempt), {
      ...structuredClone(order),
      account_id: accountId,
      pk: `${accountId}#${order.order_handle}`,
      sk,
    });
  }

  get(key: OrderKey): StoredOrder | undefined {
    const item = this.items.get(keyId(key));
    return item === undefined ? undefined : structuredClone(item);
  }

  /** Every stored item, deep-copied, in a stable order: compare two snapshots to prove nothing was written. */
  snapshot(): StoredOrder[] {
    return [...this.items.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => structuredClone(item));
  }

  delete(key: OrderKey): void {
    this.items.delete(keyId(key));
  }

  /** Edits the stored item in place (a concurrent writer). */
  mutate(key: OrderKey, change: (item: StoredOrder) => void): void {
    const item = this.items.get(keyId(key));
    if (item === undefined) throw new Error('no such item');
    change(item);
  }

  callsTo(method: StoreMethod): StoreCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private enter(method: StoreMethod, args: unknown[]): void {
    this.calls.push({ method, args: structuredClone(args) });
    this.before[method]?.();
    if (method in this.failures) throw this.failures[method];
  }

  async findRecords(accountId: string, orderHandle: string, selector: OrderSelector): Promise<RecordRef[]> {
    this.enter('findRecords', [accountId, orderHandle, selector]);
    const records: RecordRef[] = [];
    for (const item of this.items.values()) {
      if (item.account_id !== accountId || item.order_handle !== orderHandle) continue;
      records.push({
        type: item.type as OrderType,
        type_index: item.type_index as number,
        fulfillment_attempt: item.fulfillment_attempt as number,
        route_handle: typeof item.route_handle === 'string' ? item.route_handle : null,
      });
    }
    return records;
  }

  async complete(write: CompletionWrite): Promise<CompletionWriteResult> {
    this.enter('complete', [write]);
    const item = this.items.get(keyId(write.key));
    if (item === undefined) return { outcome: 'missing' };
    if (!(COMPLETABLE_STATUSES as readonly string[]).includes(item.status)) {
      return { outcome: 'unchanged', order: structuredClone(item) };
    }
    item.status = 'completed';
    item.completed_at = write.completed_at;
    item.timeline = [
      ...(Array.isArray(item.timeline) ? (item.timeline as unknown[]) : []),
      structuredClone(write.timeline_event),
    ];
    item.pending_event = structuredClone(write.pending_event);
    return { outcome: 'completed', order: structuredClone(item) };
  }

  async claimPendingEvent(
    key: OrderKey,
    eventId: string,
    expiredLeaseUntil: number,
    leaseUntil: number,
  ): Promise<boolean> {
    this.enter('claimPendingEvent', [key, eventId, expiredLeaseUntil, leaseUntil]);
    const pending = this.items.get(keyId(key))?.pending_event;
    if (pending === undefined || pending.event_id !== eventId || pending.lease_until !== expiredLeaseUntil)
      return false;
    pending.lease_until = leaseUntil;
    return true;
  }

  async releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number, fill?: RouteHandleFill): Promise<void> {
    this.enter(
      'releasePendingEvent',
      fill === undefined ? [key, eventId, leaseUntil] : [key, eventId, leaseUntil, fill],
    );
    const item = this.items.get(keyId(key));
    const pending = item?.pending_event;
    if (
      item !== undefined &&
      pending !== undefined &&
      pending.event_id === eventId &&
      pending.lease_until === leaseUntil
    ) {
      pending.lease_until = 0;
      applyFill(item, fill);
    }
  }

  async clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void> {
    this.enter('clearPendingEvent', fill === undefined ? [key, eventId] : [key, eventId, fill]);
    const item = this.items.get(keyId(key));
    if (item?.pending_event !== undefined && item.pending_event.event_id === eventId) {
      delete item.pending_event;
      applyFill(item, fill);
    }
  }
}

/** Sets the completion event's route_handle, as the DynamoDB store's pending-marker writes do. */
const applyFill = (item: StoredOrder, fill: RouteHandleFill | undefined): void => {
  if (fill === undefined || !Array.isArray(item.timeline)) return;
  const event: unknown = item.timeline[fill.index];
  if (typeof event === 'object' && event !== null) (event as Record<string, unknown>).route_handle = fill.route_handle;
};

/** Accounts in memory, each with the one secret whose hash is given. */
export class InMemoryCredentialStore implements CredentialStore {
  readonly lookups: string[] = [];
  failure: Error | undefined = undefined;

  constructor(private readonly accounts: Record<string, SecretHash>) {}

  /** Never cached here: a refresh is one more lookup. */
  async refresh(accountId: string): Promise<AccountCredentials | undefined> {
    return this.find(accountId);
  }

  async find(accountId: string): Promise<AccountCredentials | undefined> {
    this.lookups.push(accountId);
    if (this.failure !== undefined) throw this.failure;
    const hash = Object.hasOwn(this.accounts, accountId) ? this.accounts[accountId] : undefined;
    return hash === undefined
      ? undefined
      : {
          account_id: accountId,
          secrets: [{ secret_id: 'sk_0000000000000001', created_at: '2026-01-01T00:00:00Z', ...hash }],
        };
  }
}
