import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderType } from '../../domain/order-fields';
import type { OrderKey } from '../../domain/order-fields';
import type {
  LeaseClaim,
  LeaseSettle,
  ListPart,
  PendingEvent,
  PendingEventPage,
  PendingEventStore,
  PendingEventsSummary,
  PendingOrderEvent,
  StoredOrder,
} from '../../domain/ports';
import { call, untilProcessed } from './calls';
import {
  ITEM_EXISTS,
  LEASE_EXPIRED_AS_SEEN,
  LEASE_STILL_HELD,
  PENDING_EVENT_IS,
  withAssignment,
  withFill,
  type ConditionalChange,
} from './conditions';
import { PENDING_EVENTS_INDEX, allPendingShards, orderItemKey } from './keys';
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

/** One conditional update of a transaction. */
interface TransactWrite {
  key: OrderKey;
  update: string;
  change: ConditionalChange;
}

/** TransactWriteItems takes at most 100 writes. */
export const TRANSACT_MAX_ITEMS = 100;
/** Rounds of a transaction cancelled by a conflict (another writer on one of its items) or throttling. */
const TRANSACT_ROUNDS = 3;

/**
 * The outbox's storage as the relay sees it: the pending marker's lease writes (./pending-event-leases.ts) and the
 * sparse pending-events index it reads. The request path needs only the leases, so it never loads this file.
 */
export class DynamoDbPendingEventStore extends DynamoDbPendingEventLeases implements PendingEventStore {
  /**
   * Pending events from the sparse pending-events index (keys only, eventually consistent), shard after shard until
   * `limit` are found, oldest first within a shard; each read back from its item (strongly consistent) for its current
   * lease and the fields the event needs. An index entry whose item is no longer pending (just published) is skipped.
   * With `part`, only the shards whose number is `part.index` modulo `part.count` (a relay worker's share).
   */
  async listPendingEvents(limit: number, cursor?: string, part?: ListPart): Promise<PendingEventPage> {
    const shards =
      part === undefined ? allPendingShards() : allPendingShards().filter((_, i) => i % part.count === part.index);
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

  /**
   * The relay's lease writes in batches: one TransactWriteItems of up to 100 conditional updates instead of one
   * UpdateItem each (the relay's CPU is mostly per SDK call: `npm run bench:relay`). The same writes and conditions as
   * the single ones (./pending-event-leases.ts). A transaction is all or nothing: when it is cancelled, the writes
   * whose condition failed are answered false and the others are sent again (a conflict or throttling: after a short
   * wait). Writes still not done after TRANSACT_ROUNDS go one by one. Each transaction carries a ClientRequestToken,
   * so the SDK's own retry of a transaction that did go through is answered as done, not as a failed condition.
   * Transactional writes cost two write units per item: the price of the batching, paid only while a backlog drains.
   */
  async claimPendingEvents(claims: readonly LeaseClaim[]): Promise<boolean[]> {
    return this.transactAll(
      claims.map((claim) => ({
        key: claim.key,
        update: 'SET pending_event.lease_until = :lease_until',
        change: {
          condition: LEASE_EXPIRED_AS_SEEN,
          values: {
            ':event_id': claim.event_id,
            ':expired': claim.expired_lease_until,
            ':lease_until': claim.lease_until,
          },
        },
      })),
      (index) => {
        const claim = claims[index] as LeaseClaim;
        return this.claimPendingEvent(claim.key, claim.event_id, claim.expired_lease_until, claim.lease_until);
      },
    );
  }

  async settlePendingEvents(settles: readonly LeaseSettle[]): Promise<unknown[]> {
    const errors: unknown[] = settles.map(() => undefined);
    await this.transactAll(
      settles.map((settle) => ({
        key: settle.key,
        update:
          settle.outcome === 'clear'
            ? 'REMOVE pending_event, pending_shard, pending_since'
            : 'SET pending_event.lease_until = :released',
        change: withFill(
          settle.outcome === 'clear'
            ? { condition: PENDING_EVENT_IS, values: { ':event_id': settle.event_id } }
            : {
                condition: LEASE_STILL_HELD,
                values: { ':event_id': settle.event_id, ':held': settle.held_lease_until, ':released': 0 },
              },
          settle.fill,
        ),
      })),
      async (index) => {
        const settle = settles[index] as LeaseSettle;
        try {
          if (settle.outcome === 'clear') await this.clearPendingEvent(settle.key, settle.event_id, settle.fill);
          else await this.releasePendingEvent(settle.key, settle.event_id, settle.held_lease_until, settle.fill);
        } catch (error) {
          errors[index] = error;
        }
        return true;
      },
    );
    return errors;
  }

  /** Every write, in transactions of up to 100; `single` does one the transactions could not. */
  private async transactAll(writes: readonly TransactWrite[], single: (index: number) => Promise<boolean>) {
    const results: boolean[] = writes.map(() => false);
    const chunks: number[][] = [];
    for (let start = 0; start < writes.length; start += TRANSACT_MAX_ITEMS) {
      chunks.push(writes.slice(start, start + TRANSACT_MAX_ITEMS).map((_, i) => start + i));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        for (let round = 0; round < TRANSACT_ROUNDS && pending.length > 0; round += 1) {
          if (round > 0) await sleep(25 * 2 ** round * Math.random());
          pending = await this.transact(writes, pending, results);
        }
        await Promise.all(pending.map(async (index) => (results[index] = await single(index))));
      }),
    );
    return results;
  }

  /** One TransactWriteItems of the writes at `indexes`; returns the indexes to send again. */
  private async transact(writes: readonly TransactWrite[], indexes: number[], results: boolean[]): Promise<number[]> {
    try {
      await call(() =>
        this.client.send(
          new TransactWriteCommand({
            ClientRequestToken: randomUUID(),
            TransactItems: indexes.map((index) => {
              const { key, update, change } = writes[index] as TransactWrite;
              return {
                Update: {
                  TableName: this.tableName,
                  Key: orderItemKey(key),
                  UpdateExpression: withAssignment(update, change.set),
                  ConditionExpression: `${ITEM_EXISTS} AND ${change.condition}`,
                  ExpressionAttributeValues: change.values,
                  ...(change.names === undefined ? {} : { ExpressionAttributeNames: change.names }),
                },
              };
            }),
          }),
        ),
      );
      for (const index of indexes) results[index] = true;
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      // The writes whose own condition failed are answered (false); the others were only cancelled with them.
      return indexes.filter((_, position) => reasons[position]?.Code !== 'ConditionalCheckFailed');
    }
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
