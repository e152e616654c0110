import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DependencyUnavailable } from '../../domain/errors';
import type { OrderKey } from '../../domain/order-fields';
import { ITEM_EXISTS } from './conditions';
import { orderItemKey, trackChunkKey, trackChunkPrefix } from './keys';

/** How a track is cut into chunk items (./track-store.ts holds its reads and writes). */

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
 * Chunks per read page (of at most TRACK_CHUNK_MAX_BYTES each): pages of at most 256 KB, so each call stays well
 * inside the SDK's per-attempt budget.
 */
export const READ_PAGE_CHUNKS = 32;
/**
 * TransactWriteItems takes at most 100 actions and 4 MB; a long append goes in groups of 128 KB, which stay quick. A
 * move out of the record puts the whole inline part (under 400 KB, about 50 chunks) in its first group.
 */
export const MAX_TRANSACTION_ACTIONS = 90;
const MAX_TRANSACTION_BYTES = 128 * 1_024;
/** Conditional appends retried when a concurrent writer got there first. */
export const MAX_APPEND_ATTEMPTS = 30;

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

/** The Query for one order record's track chunks, in order (strongly consistent: a move just made is seen). */
export const trackChunksQuery = (tableName: string, key: OrderKey, projection: string) => ({
  TableName: tableName,
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
  ExpressionAttributeValues: { ':pk': orderItemKey(key).pk, ':prefix': trackChunkPrefix(key) },
  ProjectionExpression: projection,
  ConsistentRead: true,
});

/** A chunk item as stored. */
export const chunkItem = (key: OrderKey, chunk: TrackChunk): Record<string, unknown> => ({
  ...trackChunkKey(key, chunk.chunk),
  fixes: chunk.fixes,
  fix_count: chunk.fixes.length,
  size_bytes: chunk.size_bytes,
});

/** The chunks a transaction can carry, in order, from the start of `chunks` (at least one). */
export const firstGroup = (
  chunks: readonly TrackChunk[],
  room = MAX_TRANSACTION_ACTIONS,
  /** Fixes the group must hold whatever its size (a move's inline part, under 400 KB: at most ~50 chunks). */
  atLeast = 0,
): TrackChunk[] => {
  const group: TrackChunk[] = [];
  let bytes = 0;
  let fixes = 0;
  for (const chunk of chunks) {
    const full = group.length >= room || bytes + chunk.size_bytes > MAX_TRANSACTION_BYTES;
    if (group.length > 0 && full && fixes >= atLeast) break;
    group.push(chunk);
    bytes += chunk.size_bytes;
    fixes += chunk.fixes.length;
  }
  return group;
};

export const isConditionRefusal = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  error instanceof TransactionCanceledException ||
  (error instanceof Error && /TransactionConflict|ConditionalCheckFailed|TransactionCanceled/.test(error.name)) ||
  // `call` reports a write that met a transaction as DependencyUnavailable; for an append it is a lost race.
  (error instanceof DependencyUnavailable &&
    error.cause instanceof Error &&
    /TransactionConflict/.test(error.cause.name));

/** Appends could not get through because other writers kept changing the track (after MAX_APPEND_ATTEMPTS). */
export class TrackAppendContention extends Error {
  override readonly name = 'TrackAppendContention';
  constructor(readonly appended: number) {
    super(`track append kept conflicting with concurrent writers (${appended} fixes appended)`);
  }
}

/** What the record says about its track. */
export interface HeadTrack {
  apart: boolean;
  /** The inline fixes; undefined when the record has no polyline, null when it is stored NULL. */
  polyline: { coordinates?: Fix[] } | null | undefined;
}

/**
 * The record still holds the inline track that was read (`count` fixes; appends only add, so the count names the
 * content) and is not apart.
 */
export const inlineCondition = (
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
