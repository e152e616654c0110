import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { OrderNotFound } from '../../domain/errors';
import type { OrderKey } from '../../domain/order-fields';
import type { CallOptions } from '../../domain/ports';
import { call } from './calls';
import { ITEM_EXISTS } from './conditions';
import { orderItemKey, trackChunkKey, trackChunkPrefix } from './keys';

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

/** A position fix, as the API carries it. */
export type Fix = (number | string | null)[];

/**
 * The largest track (stored size of its fixes, as DynamoDB counts it) kept inline in the order record. Below it,
 * moving the track out would save at most one write unit per record write but add a read (at least 1 read unit and
 * a round trip) to every completion: see docs/capacity.md ("large orders") for the figures.
 */
export const TRACK_INLINE_MAX_BYTES = 1_024;
/** A chunk is filled up to this stored size (an append rewrites at most this much); a single larger fix gets its own. */
export const TRACK_CHUNK_MAX_BYTES = 8 * 1_024;
/**
 * TransactWriteItems takes at most 100 actions and 4 MB; a move keeps well inside both, and a transaction of half a
 * megabyte stays quick (an inline track, under 400 KB, always fits one).
 */
const MAX_TRANSACTION_ACTIONS = 90;
const MAX_TRANSACTION_BYTES = 512 * 1_024;
/** Conditional appends retried when a concurrent writer got there first. */
const MAX_APPEND_ATTEMPTS = 20;

/** The record marks a track stored apart with this attribute (never shown to callers). */
export const TRACK_APART = 'track_apart';

/**
 * A value's stored size as DynamoDB counts it (numbers: 1 byte per two significant digits plus 1; strings: UTF-8
 * bytes; lists: 3 bytes plus 1 per element). Used to fill chunks, so it errs on the large side.
 */
export const storedSize = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = Math.abs(value)
      .toExponential()
      .replace(/e.*$/, '')
      .replace(/[^0-9]/g, '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (value === null || typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + storedSize(element), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value).reduce((sum, [name, element]) => sum + Buffer.byteLength(name) + 1 + storedSize(element), 0)
    );
  }
  return 0;
};

/** The stored size a list of fixes adds to a chunk (each fix and its list-element byte). */
const fixesSize = (fixes: readonly Fix[]): number => fixes.reduce((sum, fix) => sum + 1 + storedSize(fix), 0);

/** Whether a track of these fixes stays inline in the order record. */
export const staysInline = (fixes: readonly Fix[]): boolean => 3 + fixesSize(fixes) <= TRACK_INLINE_MAX_BYTES;

export interface TrackChunk {
  chunk: number;
  fixes: Fix[];
  size_bytes: number;
}

/** Packs fixes into chunks numbered from `first`, in order, each up to TRACK_CHUNK_MAX_BYTES (or one larger fix). */
export const packChunks = (fixes: readonly Fix[], first: number): TrackChunk[] => {
  const chunks: TrackChunk[] = [];
  let current: TrackChunk | undefined;
  for (const fix of fixes) {
    const size = 1 + storedSize(fix);
    if (current === undefined || (current.fixes.length > 0 && current.size_bytes + size > TRACK_CHUNK_MAX_BYTES)) {
      current = { chunk: first + chunks.length, fixes: [], size_bytes: 3 };
      chunks.push(current);
    }
    current.fixes.push(fix);
    current.size_bytes += size;
  }
  return chunks;
};

/** A chunk item as stored. */
export const chunkItem = (key: OrderKey, chunk: TrackChunk): Record<string, unknown> => ({
  ...trackChunkKey(key, chunk.chunk),
  fixes: chunk.fixes,
  fix_count: chunk.fixes.length,
  size_bytes: chunk.size_bytes,
});

/** The chunks a transaction can carry, in order, from the start of `chunks` (at least one). */
const firstGroup = (chunks: readonly TrackChunk[], room = MAX_TRANSACTION_ACTIONS): TrackChunk[] => {
  const group: TrackChunk[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    if (group.length > 0 && (group.length >= room || bytes + chunk.size_bytes > MAX_TRANSACTION_BYTES)) break;
    group.push(chunk);
    bytes += chunk.size_bytes;
  }
  return group;
};

const isConditionRefusal = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  error instanceof TransactionCanceledException ||
  (error instanceof Error && /TransactionConflict|ConditionalCheckFailed|TransactionCanceled/.test(error.name));

/** Appends could not get through because other writers kept changing the track (after MAX_APPEND_ATTEMPTS). */
export class TrackAppendContention extends Error {
  override readonly name = 'TrackAppendContention';
  constructor(readonly appended: number) {
    super(`track append kept conflicting with concurrent writers (${appended} fixes appended)`);
  }
}

interface OpenChunk {
  chunk: number;
  fix_count: number;
  size_bytes: number;
}

/** What the record says about its track. */
interface HeadTrack {
  apart: boolean;
  /** The inline fixes; undefined when the record has no polyline, null when it is stored NULL. */
  polyline: { coordinates?: Fix[] } | null | undefined;
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
  async readTrack(key: OrderKey, { signal }: CallOptions = {}): Promise<Fix[]> {
    const fixes: Fix[] = [];
    const { pk } = orderItemKey(key);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': pk, ':prefix': trackChunkPrefix(key) },
            ProjectionExpression: 'fixes',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal: signal },
        ),
      );
      for (const item of page.Items ?? []) {
        for (const fix of item.fixes as Fix[]) fixes.push(fix);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
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
    const { pk } = orderItemKey(key);
    const page = await call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': trackChunkPrefix(key) },
          ProjectionExpression: 'sk, fix_count, size_bytes',
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const item = page.Items?.[0];
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
    try {
      if (intoOpen > 0 && puts.length === 0) {
        await call(() => this.client.send(new UpdateCommand(openUpdate)));
      } else if (intoOpen === 0 && puts.length === 1) {
        // A new chunk after the open one: conditional on the open one being unchanged too, or fixes could land
        // out of order; one transaction (a check and a put).
        await call(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  ConditionCheck: {
                    TableName: this.tableName,
                    Key: trackChunkKey(key, open.chunk),
                    ConditionExpression: 'fix_count = :seen',
                    ExpressionAttributeValues: { ':seen': open.fix_count },
                  },
                },
                { Put: puts[0] as (typeof puts)[number] },
              ],
            }),
          ),
        );
      } else {
        await call(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                ...(intoOpen > 0
                  ? [{ Update: openUpdate }]
                  : [
                      {
                        ConditionCheck: {
                          TableName: this.tableName,
                          Key: trackChunkKey(key, open.chunk),
                          ConditionExpression: 'fix_count = :seen',
                          ExpressionAttributeValues: { ':seen': open.fix_count },
                        },
                      },
                    ]),
                ...puts.map((put) => ({ Put: put })),
              ],
            }),
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
    const group = firstGroup(chunks, MAX_TRANSACTION_ACTIONS - 1);
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

/**
 * The record still holds the inline track that was read (`count` fixes; appends only add, so the count names the
 * content) and is not apart.
 */
const inlineCondition = (
  head: HeadTrack,
  count: number,
): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} => {
  const notApart = `${ITEM_EXISTS} AND attribute_not_exists(#apart)`;
  const names = { '#apart': TRACK_APART };
  if (head.polyline === undefined) {
    return {
      ConditionExpression: `${notApart} AND attribute_not_exists(polyline)`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {},
    };
  }
  if (head.polyline === null) {
    return {
      ConditionExpression: `${notApart} AND attribute_type(polyline, :null_type)`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':null_type': 'NULL' },
    };
  }
  if (head.polyline.coordinates === undefined) {
    return {
      ConditionExpression: `${notApart} AND attribute_exists(polyline) AND attribute_not_exists(polyline.coordinates)`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {},
    };
  }
  return {
    ConditionExpression: `${notApart} AND size(polyline.coordinates) = :inline_count`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':inline_count': count },
  };
};
