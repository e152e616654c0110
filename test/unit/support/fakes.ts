/**
 * Hand-written in-memory stand-ins for the domain ports (no mocking library). The order store keeps
 * DynamoDB's conditional-write semantics so the use case can be exercised against realistic behaviour: its keys come
 * from the real key layout (adapters/dynamodb/keys.ts), its Query from the real sort-key prefix, its write condition
 * from the completable set (domain/completion-rules.ts), and its fill check is the real store's clause
 * (adapters/dynamodb/conditions.ts withFill: the event at the index is the completion's own, else nothing is written).
 * The same rules run against DynamoDB Local in test/integration.
 */
import { orderItemKey, partitionKey, sortKeyPrefix } from '../../../adapters/dynamodb/keys';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { isCompletable } from '../../../domain/completion-rules';
import type { AccountOrder } from '../../../domain/order';
import type { PendingEvent, RouteHandleFill } from '../../../domain/ports';
import type { OrderKey, OrderType } from '../../../domain/order-fields';
import type { AccountCredentials, CredentialStore, SecretHash } from '../../../domain/credentials';
import type {
  CallOptions,
  CompletionWrite,
  CompletionWriteResult,
  OrderStore,
  StoredOrder,
} from '../../../domain/ports';
import type { OrderSelector, RecordRef } from '../../../domain/selection';

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

/** An item's identity in the table: its (pk, sk), from the real key layout. */
const keyId = (key: OrderKey): string => {
  const { pk, sk } = orderItemKey(key);
  return JSON.stringify([pk, sk]);
};

export class InMemoryOrderStore implements OrderStore {
  private readonly items = new Map<string, StoredOrder>();
  readonly calls: StoreCall[] = [];
  /** Make a method reject with this value (every call, until deleted). */
  readonly failures: Partial<Record<StoreMethod, unknown>> = {};
  /** Run just before a method does its work (to simulate a concurrent writer). */
  readonly before: Partial<Record<StoreMethod, () => void>> = {};

  /** Stores an order the way the seeder does (adapters/dynamodb/seeder.ts toItem): API fields, account_id, pk, sk. */
  put(accountId: string, order: SeedOrder): void {
    const item = toItem({ ...structuredClone(order), account_id: accountId } as AccountOrder);
    this.items.set(keyId({ ...order, account_id: accountId }), item as StoredOrder);
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

  /** The real store's Query: the handle's partition, the selector's sort-key prefix, only the latest attempt when
   * type and type_index are fixed. */
  async findRecords(
    accountId: string,
    orderHandle: string,
    selector: OrderSelector,
    _options?: CallOptions,
  ): Promise<RecordRef[]> {
    this.enter('findRecords', [accountId, orderHandle, selector]);
    const pk = partitionKey(accountId, orderHandle);
    const prefix = sortKeyPrefix(selector);
    const matching = [...this.items.values()]
      .filter((item) => item.pk === pk && String(item.sk).startsWith(prefix))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
    const latestOnly = selector.type !== undefined && selector.type_index !== undefined;
    return (latestOnly ? matching.slice(-1) : matching).map((item) => ({
      type: item.type as OrderType,
      type_index: item.type_index as number,
      fulfillment_attempt: item.fulfillment_attempt as number,
      route_handle: typeof item.route_handle === 'string' ? item.route_handle : null,
    }));
  }

  async complete(write: CompletionWrite, _options?: CallOptions): Promise<CompletionWriteResult> {
    this.enter('complete', [write]);
    const item = this.items.get(keyId(write.key));
    if (item === undefined) return { outcome: 'missing' };
    if (!isCompletable(item.status)) return { outcome: 'unchanged', order: structuredClone(item) };
    item.status = 'completed';
    item.completed_at = write.completed_at;
    // The real store appends to a list (or starts one where none is), and replaces a stored NULL in a second write.
    const timeline = item.timeline === null || item.timeline === undefined ? [] : (item.timeline as unknown[]);
    item.timeline = [...timeline, structuredClone(write.timeline_event)];
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
      pending.lease_until === leaseUntil &&
      fillApplies(item, fill)
    ) {
      pending.lease_until = 0;
      applyFill(item, fill);
    }
  }

  async clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void> {
    this.enter('clearPendingEvent', fill === undefined ? [key, eventId] : [key, eventId, fill]);
    const item = this.items.get(keyId(key));
    if (item?.pending_event !== undefined && item.pending_event.event_id === eventId && fillApplies(item, fill)) {
      delete item.pending_event;
      applyFill(item, fill);
    }
  }
}

/** The fill's condition clause (conditions.ts withFill): the event at the index is the completion's own. */
const fillApplies = (item: StoredOrder, fill: RouteHandleFill | undefined): boolean => {
  if (fill === undefined) return true;
  const event: unknown = Array.isArray(item.timeline) ? item.timeline[Math.trunc(fill.index)] : undefined;
  if (typeof event !== 'object' || event === null) return false;
  const { type, recorded_at } = event as Record<string, unknown>;
  return type === 'order_completed' && recorded_at === fill.recorded_at;
};

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
