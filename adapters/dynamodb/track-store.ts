import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderNotFound } from '../../domain/errors';
import type { OrderKey } from '../../domain/order-fields';
import type { CallOptions } from '../../domain/ports';
import { call, queryItems } from './calls';
import { orderItemKey, trackChunkKey } from './keys';
import {
  MAX_APPEND_ATTEMPTS,
  MAX_TRANSACTION_ACTIONS,
  READ_PAGE_CHUNKS,
  TRACK_APART,
  TRACK_CHUNK_MAX_BYTES,
  chunkItem,
  firstGroup,
  packChunks,
  staysInline,
  storedSize,
  trackChunksQuery,
  inlineCondition,
  isConditionRefusal,
  TrackAppendContention,
  type Fix,
  type HeadTrack,
  type TrackChunk,
} from './track-chunks';

export { TRACK_APART, TRACK_CHUNK_MAX_BYTES, TRACK_INLINE_MAX_BYTES, staysInline, type Fix } from './track-chunks';

/**
 * The trip's track (the order's `polyline.coordinates`, one fix [lng, lat, altitude?, recorded_at?] per location
 * update), stored apart from the order record once it is long, so that writes to the record (completion, the
 * outbox's lease and clear) cost write units for the record alone.
 *
 * Layout (same table, same partition as the order record; keys in ./keys.ts):
 *   - A short track stays inline: the record keeps `polyline` as the API shows it (TRACK_INLINE_MAX_BYTES).
 *   - A long one lives in chunk items `~track#<record sk>#<000000..>`, each holding `fixes` (a list of fixes, in
 *     order), `fix_count` and `size_bytes` (its fixes' stored size); the record then has no `polyline` and carries
 *     `track_apart = true`. Moving out is one way: a record never goes back to inline.
 *   - Appending rewrites only the last (open) chunk, or starts new ones: never the earlier chunks, never the record
 *     once the track is apart.
 */

interface OpenChunk {
  chunk: number;
  fix_count: number;
  size_bytes: number;
}

export interface AppendResult {
  /** Where the track is after the append. */
  layout: 'inline' | 'apart';
}

export interface MoveResult {
  outcome: 'moved' | 'already_apart' | 'stays_inline' | 'missing' | 'changed';
  fixes: number;
}

/** The track's reads and writes. One per table; the order store and the seeder reach the track through it. */
export class DynamoDbTrackStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every fix of a track stored apart, in order (strongly consistent, so a move that just happened is seen). */
  async readTrack(key: OrderKey, options: CallOptions = {}): Promise<Fix[]> {
    const fixes: Fix[] = [];
    // Pages of at most 256 KB: each call stays well inside the SDK's per-attempt budget.
    const query = { ...trackChunksQuery(this.tableName, key, 'fixes'), Limit: READ_PAGE_CHUNKS };
    for await (const item of queryItems(this.client, query, options)) {
      for (const fix of item.fixes as Fix[]) fixes.push(fix);
    }
    return fixes;
  }

  /**
   * Appends fixes to an order's track, after the ones already there (the tracking pipeline's write; `npm run seed`
   * writes tracks through it too). Each write is conditional on what it read, so concurrent appends, completions and
   * moves are never lost: a refused write is read again and retried. A short track stays inline; one that grows past
   * TRACK_INLINE_MAX_BYTES moves out in the same write. Once apart, only the open chunk is rewritten (or new ones
   * started). An append too large for one transaction is applied in order, group after group.
   * OrderNotFound when the record does not exist.
   */
  async appendFixes(key: OrderKey, fixes: readonly Fix[]): Promise<AppendResult> {
    let remaining = [...fixes];
    let layout: AppendResult['layout'] = 'inline';
    let attempts = 0;
    while (remaining.length > 0 || attempts === 0) {
      if (attempts >= MAX_APPEND_ATTEMPTS) throw new TrackAppendContention(fixes.length - remaining.length);
      // After a lost race, a short random pause (growing, at most 250 ms) so concurrent writers stop colliding.
      if (attempts > 0) await sleep(Math.random() * Math.min(250, 10 * 2 ** attempts));
      attempts += 1;
      const open = await this.openChunk(key);
      let appended: number | undefined;
      if (open !== undefined) {
        layout = 'apart';
        appended = await this.appendApart(key, open, remaining);
      } else {
        const head = await this.headTrack(key);
        if (head === undefined) throw new OrderNotFound();
        if (head.apart) continue; // chunks not visible yet: read again
        const result = await this.appendToInline(key, head, remaining);
        if (result !== undefined) {
          layout = result.layout;
          appended = result.appended;
        }
      }
      if (appended === undefined) continue; // someone else wrote first: read again
      remaining = remaining.slice(appended);
      attempts = remaining.length > 0 ? 1 : attempts;
      if (remaining.length === 0) break;
    }
    return { layout };
  }

  /**
   * Moves an inline track out of its record (the migration's step), if it is longer than the inline limit. One
   * transaction, conditional on the record still holding exactly the fixes read (a completion meanwhile is fine: it
   * never touches the polyline; an append meanwhile makes it 'changed', to be tried again).
   */
  async moveOut(key: OrderKey): Promise<MoveResult> {
    const head = await this.headTrack(key);
    if (head === undefined) return { outcome: 'missing', fixes: 0 };
    if (head.apart) return { outcome: 'already_apart', fixes: 0 };
    const current = head.polyline?.coordinates ?? [];
    if (staysInline(current)) return { outcome: 'stays_inline', fixes: current.length };
    const moved = await this.writeMoveOut(key, head, current);
    return moved ? { outcome: 'moved', fixes: current.length } : { outcome: 'changed', fixes: current.length };
  }

  /** The last chunk of a track stored apart (undefined: none, the track is inline or empty). */
  private async openChunk(key: OrderKey): Promise<OpenChunk | undefined> {
    const query = { ...trackChunksQuery(this.tableName, key, 'sk, fix_count, size_bytes'), ScanIndexForward: false };
    let item: Record<string, unknown> | undefined;
    // The last chunk only: one item, one page.
    for await (const last of queryItems(this.client, { ...query, Limit: 1 })) {
      item = last;
      break;
    }
    if (item === undefined) return undefined;
    const sk = String(item.sk);
    return {
      chunk: Number(sk.slice(sk.lastIndexOf('#') + 1)),
      fix_count: Number(item.fix_count),
      size_bytes: Number(item.size_bytes),
    };
  }

  private async headTrack(key: OrderKey): Promise<HeadTrack | undefined> {
    const output = await call(() =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: orderItemKey(key),
          ProjectionExpression: 'pk, polyline, #apart',
          ExpressionAttributeNames: { '#apart': TRACK_APART },
          ConsistentRead: true,
        }),
      ),
    );
    const item = output.Item;
    if (item === undefined) return undefined;
    return {
      apart: item[TRACK_APART] === true,
      polyline: item.polyline as HeadTrack['polyline'],
    };
  }

  /** Appends to a track stored apart; how many fixes went in, or undefined when a concurrent write won. */
  private async appendApart(key: OrderKey, open: OpenChunk, fixes: readonly Fix[]): Promise<number | undefined> {
    // Fill the open chunk first, then new chunks after it.
    let intoOpen = 0;
    let size = open.size_bytes;
    for (const fix of fixes) {
      const fixSize = 1 + storedSize(fix);
      if (size + fixSize > TRACK_CHUNK_MAX_BYTES) break;
      size += fixSize;
      intoOpen += 1;
    }
    const group = firstGroup(packChunks(fixes.slice(intoOpen), open.chunk + 1), MAX_TRANSACTION_ACTIONS - 1);
    const appended = intoOpen + group.reduce((sum, chunk) => sum + chunk.fixes.length, 0);
    const openUpdate = {
      TableName: this.tableName,
      Key: trackChunkKey(key, open.chunk),
      UpdateExpression: 'SET fixes = list_append(fixes, :fixes), fix_count = :count, size_bytes = :size',
      ConditionExpression: 'fix_count = :seen',
      ExpressionAttributeValues: {
        ':fixes': fixes.slice(0, intoOpen),
        ':count': open.fix_count + intoOpen,
        ':size': size,
        ':seen': open.fix_count,
      },
    };
    const puts = group.map((chunk) => ({
      TableName: this.tableName,
      Item: chunkItem(key, chunk),
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    // A new chunk is conditional on the open one being unchanged too, or fixes could land out of order.
    const openAction =
      intoOpen > 0
        ? { Update: openUpdate }
        : {
            ConditionCheck: {
              TableName: this.tableName,
              Key: trackChunkKey(key, open.chunk),
              ConditionExpression: 'fix_count = :seen',
              ExpressionAttributeValues: { ':seen': open.fix_count },
            },
          };
    try {
      if (puts.length === 0) {
        await call(() => this.client.send(new UpdateCommand(openUpdate)));
      } else {
        await call(() =>
          this.client.send(
            new TransactWriteCommand({ TransactItems: [openAction, ...puts.map((put) => ({ Put: put }))] }),
          ),
        );
      }
      return appended;
    } catch (error) {
      if (isConditionRefusal(error)) return undefined;
      throw error;
    }
  }

  /** Appends to an inline (or empty) track: stays inline, or moves out with the new fixes. Undefined: lost a race. */
  private async appendToInline(
    key: OrderKey,
    head: HeadTrack,
    fixes: readonly Fix[],
  ): Promise<{ appended: number; layout: AppendResult['layout'] } | undefined> {
    const current = head.polyline?.coordinates ?? [];
    const combined = [...current, ...fixes];
    if (staysInline(combined)) {
      const condition = inlineCondition(head, current.length);
      try {
        await call(() =>
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: orderItemKey(key),
              UpdateExpression: 'SET polyline = :polyline',
              ConditionExpression: condition.ConditionExpression,
              ExpressionAttributeNames: condition.ExpressionAttributeNames,
              ExpressionAttributeValues: {
                ...condition.ExpressionAttributeValues,
                ':polyline': { type: 'LineString', coordinates: combined },
              },
            }),
          ),
        );
        return { appended: fixes.length, layout: 'inline' };
      } catch (error) {
        if (isConditionRefusal(error)) return undefined;
        throw error;
      }
    }
    // The whole inline part goes in the first group (it is under 400 KB, so it fits one transaction).
    const chunks = packChunks(combined, 0);
    const group = firstGroup(chunks, MAX_TRANSACTION_ACTIONS - 1, current.length);
    const inGroup = group.reduce((sum, chunk) => sum + chunk.fixes.length, 0);
    if (inGroup < current.length) throw new Error('inline track larger than one transaction');
    const moved = await this.writeMoveOut(key, head, current, group);
    return moved ? { appended: inGroup - current.length, layout: 'apart' } : undefined;
  }

  /** The move: chunks put and the record's polyline removed, in one transaction conditional on the record. */
  private async writeMoveOut(
    key: OrderKey,
    head: HeadTrack,
    current: readonly Fix[],
    group: readonly TrackChunk[] = packChunks(current, 0),
  ): Promise<boolean> {
    const condition = inlineCondition(head, current.length);
    try {
      await call(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: orderItemKey(key),
                  UpdateExpression: 'REMOVE polyline SET #apart = :apart',
                  ConditionExpression: condition.ConditionExpression,
                  ExpressionAttributeNames: { ...condition.ExpressionAttributeNames },
                  ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':apart': true },
                },
              },
              ...group.map((chunk) => ({
                Put: {
                  TableName: this.tableName,
                  Item: chunkItem(key, chunk),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionRefusal(error)) return false;
      throw error;
    }
  }
}
