import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderType } from '../../domain/order-fields';
import type {
  PendingEvent,
  PendingEventPage,
  PendingEventStore,
  PendingEventsSummary,
  PendingOrderEvent,
  StoredOrder,
} from '../../domain/ports';
import { call, untilProcessed } from './calls';
import { PENDING_EVENTS_INDEX, allPendingShards } from './keys';
import { DynamoDbPendingEventLeases } from './pending-event-leases';

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

/** Where a listing goes on: the shard, and the position in it. */
interface ListCursor {
  shard: number;
  start?: Record<string, unknown>;
}
const encodeCursor = (cursor: ListCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');
const decodeCursor = (cursor: string | undefined): ListCursor =>
  cursor === undefined ? { shard: 0 } : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as ListCursor);

type ItemKey = { pk: string; sk: string };

/**
 * The outbox's storage as the relay sees it: the pending marker's lease writes (./pending-event-leases.ts) and the
 * sparse pending-events index it reads. The request path needs only the leases, so it never loads this file.
 */
export class DynamoDbPendingEventStore extends DynamoDbPendingEventLeases implements PendingEventStore {
  /**
   * Pending events from the sparse pending-events index (keys only, eventually consistent), shard after shard until
   * `limit` are found, oldest first within a shard; each read back from its item (strongly consistent) for its current
   * lease and the fields the event needs. An index entry whose item is no longer pending (just published) is skipped.
   */
  async listPendingEvents(limit: number, cursor?: string): Promise<PendingEventPage> {
    const shards = allPendingShards();
    let position = decodeCursor(cursor);
    const keys: ItemKey[] = [];
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

  private async readPending(keys: readonly ItemKey[]): Promise<PendingOrderEvent[]> {
    const found = new Map<string, Record<string, unknown>>();
    const id = (pk: unknown, sk: unknown) => JSON.stringify([pk, sk]);
    for (let start = 0; start < keys.length; start += 100) {
      await untilProcessed<Record<string, unknown>>(keys.slice(start, start + 100), async (batch) => {
        const output = await this.client.send(
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
        );
        for (const item of output.Responses?.[this.tableName] ?? []) found.set(id(item.pk, item.sk), item);
        return output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      });
    }
    return keys.flatMap(({ pk, sk }) => {
      const item = found.get(id(pk, sk));
      return item === undefined || item.pending_event === undefined ? [] : [pendingOrderEvent(item)];
    });
  }

  /** How many events are pending and since when the oldest, from the index (eventually consistent). */
  async summarizePendingEvents(): Promise<PendingEventsSummary> {
    const perShard = await Promise.all(allPendingShards().map((shard) => this.summarizeShard(shard)));
    const sinces = perShard.flatMap((shard) => (shard.since === null ? [] : [shard.since])).sort();
    return { count: perShard.reduce((sum, shard) => sum + shard.count, 0), oldest_since: sinces[0] ?? null };
  }

  private async summarizeShard(shard: string): Promise<{ count: number; since: string | null }> {
    const query = {
      TableName: this.tableName,
      IndexName: PENDING_EVENTS_INDEX,
      KeyConditionExpression: 'pending_shard = :shard',
      ExpressionAttributeValues: { ':shard': shard },
    };
    const oldest = await call(() => this.client.send(new QueryCommand({ ...query, ScanIndexForward: true, Limit: 1 })));
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await call(() =>
        this.client.send(new QueryCommand({ ...query, Select: 'COUNT', ExclusiveStartKey: startKey })),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    const since: unknown = oldest.Items?.[0]?.pending_since;
    return { count, since: typeof since === 'string' ? since : null };
  }
}

const pendingOrderEvent = (item: Record<string, unknown>): PendingOrderEvent => ({
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
