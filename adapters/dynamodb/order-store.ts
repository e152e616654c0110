import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { COMPLETABLE_STATUSES } from '../../domain/completion-rules';
import type { PendingEvent, RouteHandleFill } from '../../domain/ports';
import { DependencyUnavailable, OrderTooLarge } from '../../domain/errors';
import type { AccountOrder } from '../../domain/order';
import type { OrderKey, OrderType } from '../../domain/order-fields';
import type {
  CompletionWrite,
  CompletionWriteResult,
  OrderStore,
  PendingEventPage,
  PendingEventStore,
  PendingEventsSummary,
  PendingOrderEvent,
  StoredOrder,
} from '../../domain/ports';
import type { OrderSelector, RecordRef } from '../../domain/selection';
import { isDependencyUnavailable } from '../aws-errors';
import {
  PENDING_EVENTS_INDEX,
  allPendingShards,
  orderItemKey,
  partitionKey,
  pendingShard,
  sortKey,
  sortKeyPrefix,
} from './keys';

/**
 * What the relay reads back from a pending order: its identity, its outbox marker, what the event's detail needs,
 * and the timeline (to set a route_handle the completing request could not; reads are charged by whole item anyway).
 */
const PENDING_READ_ATTRIBUTES = [
  'pk',
  'sk',
  'account_id',
  'order_handle',
  'type',
  'type_index',
  'fulfillment_attempt',
  'status',
  'completed_at',
  'route_handle',
  'worker_handle',
  'device_id',
  'metadata',
  'share_url',
  'destination',
  'timeline',
  'pending_event',
] as const;
const PENDING_READ_NAMES = Object.fromEntries(PENDING_READ_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
const PENDING_READ_PROJECTION = Object.keys(PENDING_READ_NAMES).join(', ');

interface ListCursor {
  shard: number;
  start?: Record<string, unknown>;
}
const encodeCursor = (cursor: ListCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');
const decodeCursor = (cursor: string | undefined): ListCursor =>
  cursor === undefined ? { shard: 0 } : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as ListCursor);

const COMPLETABLE_VALUES = Object.fromEntries(COMPLETABLE_STATUSES.map((status, i) => [`:completable${i}`, status]));
const COMPLETE_CONDITION = `attribute_exists(pk) AND #status IN (${Object.keys(COMPLETABLE_VALUES).join(', ')})`;

/** DynamoDB refused the write because the item would pass 400 KB (nothing was written). */
const isItemSizeExceeded = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);

/** Runs one DynamoDB call, turning throttling, timeouts and outages into DependencyUnavailable. */
const call = async <T>(operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException) && isDependencyUnavailable(error)) {
      throw new DependencyUnavailable('dynamodb', { cause: error });
    }
    throw error;
  }
};

export class DynamoDbOrderStore implements OrderStore, PendingEventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findRecords(accountId: string, orderHandle: string, selector: OrderSelector): Promise<RecordRef[]> {
    const prefix = sortKeyPrefix(selector);
    // type and type_index fixed: only the latest attempt can be selected, and a Query is charged for every item it
    // reads (whole items, whatever the projection), so read just that one (sk sorts attempts, newest last).
    const latestOnly = selector.type !== undefined && selector.type_index !== undefined;
    const records: RecordRef[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // Strongly consistent: an attempt created a moment ago must be the one that counts as latest.
      const page = await call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': partitionKey(accountId, orderHandle),
              ...(prefix === '' ? {} : { ':prefix': prefix }),
            },
            ExpressionAttributeNames: { '#type': 'type' },
            ProjectionExpression: '#type, type_index, fulfillment_attempt, route_handle',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            ...(latestOnly ? { ScanIndexForward: false, Limit: 1 } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        records.push({
          type: item.type as OrderType,
          type_index: Number(item.type_index),
          fulfillment_attempt: Number(item.fulfillment_attempt),
          route_handle: typeof item.route_handle === 'string' ? item.route_handle : null,
        });
      }
      startKey = latestOnly ? undefined : page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records;
  }

  async complete(write: CompletionWrite): Promise<CompletionWriteResult> {
    const result = await this.completeOnce(write, 'list');
    // list_append cannot append to a stored NULL timeline, so that write's condition refuses it: start the list
    // instead. The second write keeps the status condition, so a non-completable order is still refused.
    if (result.outcome === 'unchanged' && result.order.timeline === null) {
      return this.completeOnce(write, 'null');
    }
    return result;
  }

  /** The one conditional write; `timeline` says which stored timeline it expects (a list or absent, or NULL). */
  private async completeOnce(write: CompletionWrite, timeline: 'list' | 'null'): Promise<CompletionWriteResult> {
    try {
      const output = await call(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: orderItemKey(write.key),
            UpdateExpression:
              'SET #status = :completed, completed_at = :completed_at, pending_event = :pending_event, ' +
              // The item enters the sparse pending-events index until the event is confirmed.
              'pending_shard = :pending_shard, pending_since = :pending_since, ' +
              (timeline === 'list'
                ? 'timeline = list_append(if_not_exists(timeline, :no_events), :events)'
                : 'timeline = :events'),
            ConditionExpression:
              `${COMPLETE_CONDITION} AND ` +
              (timeline === 'list'
                ? 'NOT attribute_type(timeline, :null_type)'
                : 'attribute_type(timeline, :null_type)'),
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':completed': 'completed',
              ':completed_at': write.completed_at,
              ...(timeline === 'list' ? { ':no_events': [] } : {}),
              ':null_type': 'NULL',
              ':events': [write.timeline_event],
              ':pending_event': write.pending_event,
              ':pending_shard': pendingShard(write.pending_event.event_id),
              ':pending_since': write.pending_event.since,
              ...COMPLETABLE_VALUES,
            },
            ReturnValues: 'ALL_NEW',
            // Why the condition refused, without a second read.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
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

  async claimPendingEvent(
    key: OrderKey,
    eventId: string,
    expiredLeaseUntil: number,
    leaseUntil: number,
  ): Promise<boolean> {
    return this.conditionalUpdate(key, 'SET pending_event.lease_until = :lease_until', {
      condition: 'pending_event.event_id = :event_id AND pending_event.lease_until = :expired',
      values: { ':event_id': eventId, ':expired': expiredLeaseUntil, ':lease_until': leaseUntil },
    });
  }

  async releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number, fill?: RouteHandleFill): Promise<void> {
    // Only our own lease: if another request took it over meanwhile, its lease stands.
    await this.conditionalUpdate(
      key,
      'SET pending_event.lease_until = :released',
      withFill(
        {
          condition: 'pending_event.event_id = :event_id AND pending_event.lease_until = :held',
          values: { ':event_id': eventId, ':held': leaseUntil, ':released': 0 },
        },
        fill,
      ),
    );
  }

  async clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void> {
    // Leaving the pending-events index with it.
    await this.conditionalUpdate(
      key,
      'REMOVE pending_event, pending_shard, pending_since',
      withFill({ condition: 'pending_event.event_id = :event_id', values: { ':event_id': eventId } }, fill),
    );
  }

  /**
   * Pending events from the sparse pending-events index (keys only, eventually consistent), shard after shard
   * until `limit` are found, oldest first within a shard; each read back from its item (strongly consistent) for its current lease and
   * the fields the event needs. An index entry whose item is no longer pending (just published) is skipped.
   */
  async listPendingEvents(limit: number, cursor?: string): Promise<PendingEventPage> {
    const shards = allPendingShards();
    let position = decodeCursor(cursor);
    const keys: { pk: string; sk: string }[] = [];
    while (position.shard < shards.length && keys.length < limit) {
      const page = await call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: PENDING_EVENTS_INDEX,
            KeyConditionExpression: 'pending_shard = :shard',
            ExpressionAttributeValues: { ':shard': shards[position.shard] },
            ScanIndexForward: true,
            Limit: limit - keys.length,
            ExclusiveStartKey: position.start,
          }),
        ),
      );
      for (const item of page.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
      position =
        page.LastEvaluatedKey === undefined
          ? { shard: position.shard + 1 }
          : { shard: position.shard, start: page.LastEvaluatedKey };
    }
    return {
      events: await this.readPending(keys),
      cursor: position.shard < shards.length ? encodeCursor(position) : undefined,
    };
  }

  private async readPending(keys: readonly { pk: string; sk: string }[]): Promise<PendingOrderEvent[]> {
    const found = new Map<string, Record<string, unknown>>();
    const id = (pk: unknown, sk: unknown) => JSON.stringify([pk, sk]);
    for (let start = 0; start < keys.length; start += 100) {
      let batch: Record<string, unknown>[] = keys.slice(start, start + 100);
      for (let attempt = 0; batch.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new DependencyUnavailable('dynamodb');
        const output = await call(() =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: batch,
                  ConsistentRead: true,
                  ProjectionExpression: PENDING_READ_PROJECTION,
                  ExpressionAttributeNames: PENDING_READ_NAMES,
                },
              },
            }),
          ),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) found.set(id(item.pk, item.sk), item);
        batch = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    const events: PendingOrderEvent[] = [];
    for (const { pk, sk } of keys) {
      const item = found.get(id(pk, sk));
      if (item === undefined || item.pending_event === undefined) continue;
      events.push({
        key: {
          account_id: String(item.account_id),
          order_handle: String(item.order_handle),
          type: item.type as OrderType,
          type_index: Number(item.type_index),
          fulfillment_attempt: Number(item.fulfillment_attempt),
        },
        pending_event: item.pending_event as PendingEvent,
        order: item as StoredOrder,
      });
    }
    return events;
  }

  /** How many events are pending and since when the oldest, from the index (eventually consistent). */
  async summarizePendingEvents(): Promise<PendingEventsSummary> {
    const perShard = await Promise.all(
      allPendingShards().map(async (shard) => {
        const query = { TableName: this.tableName, IndexName: PENDING_EVENTS_INDEX };
        const values = { ':shard': shard };
        const oldest = await call(() =>
          this.client.send(
            new QueryCommand({
              ...query,
              KeyConditionExpression: 'pending_shard = :shard',
              ExpressionAttributeValues: values,
              ScanIndexForward: true,
              Limit: 1,
            }),
          ),
        );
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await call(() =>
            this.client.send(
              new QueryCommand({
                ...query,
                KeyConditionExpression: 'pending_shard = :shard',
                ExpressionAttributeValues: values,
                Select: 'COUNT',
                ExclusiveStartKey: startKey,
              }),
            ),
          );
          count += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey !== undefined);
        const since: unknown = oldest.Items?.[0]?.pending_since;
        return { count, since: typeof since === 'string' ? since : null };
      }),
    );
    const sinces = perShard.flatMap((shard) => (shard.since === null ? [] : [shard.since])).sort();
    return { count: perShard.reduce((sum, shard) => sum + shard.count, 0), oldest_since: sinces[0] ?? null };
  }

  /** Upserts whole orders (seeding, imports), 25 at a time, retrying unprocessed items. */
  async putOrders(orders: readonly AccountOrder[]): Promise<void> {
    for (let start = 0; start < orders.length; start += 25) {
      let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] = orders
        .slice(start, start + 25)
        .map((order) => ({ PutRequest: { Item: toItem(order) } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new DependencyUnavailable('dynamodb');
        const output = await call(() =>
          this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        requests = output.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  /** True when the condition held and the update was made. */
  private async conditionalUpdate(
    key: OrderKey,
    updateExpression: string,
    { condition, values, names, set }: ConditionalChange,
  ): Promise<boolean> {
    try {
      await call(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: orderItemKey(key),
            UpdateExpression: withAssignment(updateExpression, set),
            ConditionExpression: `attribute_exists(pk) AND ${condition}`,
            ExpressionAttributeValues: values,
            ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

interface ConditionalChange {
  condition: string;
  values: Record<string, unknown>;
  names?: Record<string, string>;
  /** One more SET assignment (`path = :value`) made by the same write. */
  set?: string;
}

/** Adds a SET assignment to an update expression (DynamoDB allows one SET clause, so join an existing one). */
const withAssignment = (updateExpression: string, assignment: string | undefined): string => {
  if (assignment === undefined) return updateExpression;
  return /^SET /.test(updateExpression)
    ? `${updateExpression}, ${assignment}`
    : `${updateExpression} SET ${assignment}`;
};

/**
 * Adds the completion event's route_handle to a pending-marker write (same write, no extra one). The event is
 * addressed by index and checked to be the completion's own (type and recorded_at), so nothing else is touched.
 */
const withFill = (change: ConditionalChange, fill: RouteHandleFill | undefined): ConditionalChange => {
  if (fill === undefined) return change;
  const event = `timeline[${Math.trunc(fill.index)}]`;
  return {
    condition: `${change.condition} AND ${event}.#event_type = :completed_event AND ${event}.recorded_at = :completed_event_at`,
    values: {
      ...change.values,
      ':completed_event': 'order_completed',
      ':completed_event_at': fill.recorded_at,
      ':route_handle': fill.route_handle,
    },
    names: { ...change.names, '#event_type': 'type' },
    set: `${event}.route_handle = :route_handle`,
  };
};

/** The stored item for an order: its API fields, its owner and its keys. */
export const toItem = (order: AccountOrder): Record<string, unknown> => ({
  ...order,
  pk: partitionKey(order.account_id, order.order_handle),
  sk: sortKey(order.type, order.type_index, order.fulfillment_attempt),
});
