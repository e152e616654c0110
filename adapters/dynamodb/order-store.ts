import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { OrderTooLarge } from '../../domain/errors';
import type { OrderKey, OrderType } from '../../domain/order-fields';
import type {
  CallOptions,
  CompletionWrite,
  CompletionWriteResult,
  OrderStore,
  PendingEventLease,
  RouteHandleFill,
  StoredOrder,
} from '../../domain/ports';
import type { OrderSelector, RecordRef } from '../../domain/selection';
import { call, queryItems } from './calls';
import {
  COMPLETABLE_VALUES,
  ITEM_EXISTS,
  STATUS_IS_COMPLETABLE,
  TIMELINE_IS_NULL,
  TIMELINE_NOT_NULL,
} from './conditions';
import {
  DEFAULT_PENDING_SHARDS,
  MAX_PENDING_SHARDS,
  orderItemKey,
  partitionKey,
  pendingShard,
  sortKeyPrefix,
} from './keys';
import { DynamoDbPendingEventLeases } from './pending-event-leases';
import { readPartition, RECORD_NAMES, RECORD_PROJECTION } from './partition-read';
import { DynamoDbTrackStore, TRACK_APART } from './track-store';

/** DynamoDB refused the write because the item would pass 400 KB (nothing was written). */
const isItemSizeExceeded = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);

/** Which stored timeline the completing write expects: a list (or none), or a stored NULL. */
type TimelineShape = 'list' | 'null';

/**
 * The request path's store: find a handle's records and make the one conditional completing write. The outbox's
 * lease writes on the same items are ./pending-event-leases.ts's, reached through this one.
 */
export class DynamoDbOrderStore implements OrderStore {
  private readonly lease: PendingEventLease;
  private readonly tracks: DynamoDbTrackStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** How many pending-events shards completions write to (config PENDING_SHARDS; readers read them all). */
    private readonly pendingShards: number = DEFAULT_PENDING_SHARDS,
  ) {
    if (!Number.isInteger(pendingShards) || pendingShards < 1 || pendingShards > MAX_PENDING_SHARDS) {
      throw new RangeError(`pendingShards must be an integer from 1 to ${MAX_PENDING_SHARDS}`);
    }
    this.lease = new DynamoDbPendingEventLeases(client, tableName);
    this.tracks = new DynamoDbTrackStore(client, tableName);
  }

  async findRecords(
    accountId: string,
    orderHandle: string,
    selector: OrderSelector,
    options: CallOptions = {},
  ): Promise<RecordRef[]> {
    const prefix = sortKeyPrefix(selector);
    if (prefix === '') {
      // A plain POST reads every record: with their tracks, in one Query (./partition-read.ts says why).
      const partition = await readPartition(this.client, this.tableName, accountId, orderHandle, options);
      return partition.records.map((item) => recordRef(item, () => partition.trackOf(String(item.sk))));
    }
    // type and type_index fixed: only the latest attempt can be selected, and a Query is charged for every item it
    // reads (whole items, whatever the projection), so read just that one (sk sorts attempts, newest last).
    const latestOnly = selector.type !== undefined && selector.type_index !== undefined;
    const records: RecordRef[] = [];
    // Strongly consistent: an attempt created a moment ago must be the one that counts as latest.
    const query = {
      TableName: this.tableName,
      // This part's order records only: their tracks' chunks sort after every record (keys.ts).
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partitionKey(accountId, orderHandle), ':prefix': prefix },
      ExpressionAttributeNames: RECORD_NAMES,
      ProjectionExpression: RECORD_PROJECTION,
      ConsistentRead: true,
      ...(latestOnly ? { ScanIndexForward: false, Limit: 1 } : {}),
    };
    for await (const item of queryItems(this.client, query, options)) {
      const ref = recordRef(item, () => this.tracks.readTrack(keyOf(accountId, orderHandle, ref), options));
      records.push(ref);
      if (latestOnly) break;
    }
    return records;
  }

  /**
   * The completing write touches the order record alone, whatever its track's length. When the record's track is
   * stored apart, the answer needs it: read alongside the write when the selection's read already said so
   * (write.track), else after the write (the exact-record path reads nothing before writing, so a short order keeps
   * its 0 reads).
   */
  async complete(write: CompletionWrite, options: CallOptions = {}): Promise<CompletionWriteResult> {
    const early = write.track?.read();
    // Awaited below only when needed; never an unhandled rejection meanwhile.
    early?.catch(() => undefined);
    const result = await this.completeRecord(write, options);
    if (result.outcome === 'missing' || result.order[TRACK_APART] !== true) return result;
    const fixes = await (early ?? this.tracks.readTrack(write.key, options));
    return { outcome: result.outcome, order: withTrack(result.order, fixes) };
  }

  private async completeRecord(write: CompletionWrite, options: CallOptions): Promise<CompletionWriteResult> {
    const result = await this.completeOnce(write, 'list', options);
    // list_append cannot append to a stored NULL timeline, so that write's condition refuses it: start the list
    // instead. The second write keeps the status condition, so a non-completable order is still refused.
    if (result.outcome === 'unchanged' && result.order.timeline === null) {
      return this.completeOnce(write, 'null', options);
    }
    return result;
  }

  /** The one conditional write; `timeline` says which stored timeline it expects. */
  private async completeOnce(
    write: CompletionWrite,
    timeline: TimelineShape,
    { signal }: CallOptions,
  ): Promise<CompletionWriteResult> {
    try {
      const output = await call(() =>
        this.client.send(new UpdateCommand(completionUpdate(this.tableName, write, timeline, this.pendingShards)), {
          abortSignal: signal,
        }),
      );
      return { outcome: 'completed', order: output.Attributes as StoredOrder };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if (error.Item === undefined) return { outcome: 'missing' };
        return { outcome: 'unchanged', order: unmarshall(error.Item) as StoredOrder };
      }
      if (isItemSizeExceeded(error)) throw new OrderTooLarge({ cause: error });
      throw error;
    }
  }

  claimPendingEvent(key: OrderKey, eventId: string, expiredLeaseUntil: number, leaseUntil: number): Promise<boolean> {
    return this.lease.claimPendingEvent(key, eventId, expiredLeaseUntil, leaseUntil);
  }

  releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number, fill?: RouteHandleFill): Promise<void> {
    return this.lease.releasePendingEvent(key, eventId, leaseUntil, fill);
  }

  clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void> {
    return this.lease.clearPendingEvent(key, eventId, fill);
  }
}

/** A record as selection sees it; `readTrack` reads its track when the record says it is stored apart. */
const recordRef = (item: Record<string, unknown>, readTrack: () => Promise<unknown[]>): RecordRef => ({
  type: item.type as OrderType,
  type_index: Number(item.type_index),
  fulfillment_attempt: Number(item.fulfillment_attempt),
  route_handle: typeof item.route_handle === 'string' ? item.route_handle : null,
  ...(item[TRACK_APART] === true ? { track: { read: readTrack } } : {}),
});

const keyOf = (accountId: string, orderHandle: string, ref: RecordRef): OrderKey => ({
  account_id: accountId,
  order_handle: orderHandle,
  type: ref.type,
  type_index: ref.type_index,
  fulfillment_attempt: ref.fulfillment_attempt,
});

/**
 * The record with its track back in place, as the one-item layout stores it: `polyline` is always
 * { type: 'LineString', coordinates } (the schema strips anything else), and the marker goes.
 */
const withTrack = (order: StoredOrder, fixes: unknown[]): StoredOrder => {
  const { [TRACK_APART]: _apart, ...rest } = order;
  return { ...rest, polyline: { type: 'LineString', coordinates: fixes } };
};

/**
 * The completing write: the item exists and its status is in the completable set (else nothing is written, and the
 * order as it was comes back to tell why: the idempotency and refusal rules); status, time, the timeline event and
 * the pending event (which also puts the item in the sparse pending-events index) in one write.
 */
export const completionUpdate = (
  tableName: string,
  write: CompletionWrite,
  timeline: TimelineShape,
  pendingShards: number,
) =>
  ({
    TableName: tableName,
    Key: orderItemKey(write.key),
    UpdateExpression:
      'SET #status = :completed, completed_at = :completed_at, pending_event = :pending_event, ' +
      'pending_shard = :pending_shard, pending_since = :pending_since, ' +
      (timeline === 'list'
        ? 'timeline = list_append(if_not_exists(timeline, :no_events), :events)'
        : 'timeline = :events'),
    ConditionExpression: `${ITEM_EXISTS} AND ${STATUS_IS_COMPLETABLE} AND ${timeline === 'list' ? TIMELINE_NOT_NULL : TIMELINE_IS_NULL}`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':completed': 'completed',
      ':completed_at': write.completed_at,
      ...(timeline === 'list' ? { ':no_events': [] } : {}),
      ':null_type': 'NULL',
      ':events': [write.timeline_event],
      ':pending_event': write.pending_event,
      ':pending_shard': pendingShard(write.pending_event.event_id, pendingShards),
      ':pending_since': write.pending_event.since,
      ...COMPLETABLE_VALUES,
    },
    ReturnValues: 'ALL_NEW',
    // Why the condition refused, without a second read.
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }) as const;
