import type { OrderKey, OrderType } from '../../domain/order-fields';
import type { OrderSelector } from '../../domain/selection';

/**
 * Key layout of the orders table.
 *   pk = <account_id> "#" <order_handle>
 *   sk = <type> "#" <type_index, 10 digits> "#" <fulfillment_attempt, 10 digits>
 * account_id cannot contain "#" (domain/order.ts), so the first "#" of pk always ends it and a
 * handle full of "#", "/", "%" or look-alikes of this layout still names exactly one partition.
 * Handles are stored as given (no escaping), so 256 characters of 4-byte UTF-8 fit in the 2 KB key.
 * Fixed-width numbers make sk sort by type, then type_index, then fulfillment_attempt.
 */
const pad = (value: number): string => value.toString().padStart(10, '0');

export const partitionKey = (accountId: string, orderHandle: string): string => `${accountId}#${orderHandle}`;

export const sortKey = (type: OrderType, typeIndex: number, fulfillmentAttempt: number): string =>
  `${type}#${pad(typeIndex)}#${pad(fulfillmentAttempt)}`;

export const orderItemKey = (key: OrderKey): { pk: string; sk: string } => ({
  pk: partitionKey(key.account_id, key.order_handle),
  sk: sortKey(key.type, key.type_index, key.fulfillment_attempt),
});

/**
 * Track chunks (./track-store.ts) live in the order's own partition, after every order record in sk order:
 *   sk = "~track#" <the order record's sk> "#" <chunk number, 6 digits>
 * "~" sorts after every order type (lower-case words), so a Query for order records ends before the first chunk
 * (ORDER_RECORDS_END) and a prefix of a record's sk never reaches a chunk.
 */
export const TRACK_SK_PREFIX = '~track#';
/** Every order record's sk sorts before this (and every chunk's at or after it). */
export const ORDER_RECORDS_END = '~';
const padChunk = (chunk: number): string => chunk.toString().padStart(6, '0');

/** The sk prefix shared by every chunk of one order record's track. */
export const trackChunkPrefix = (key: OrderKey): string =>
  `${TRACK_SK_PREFIX}${sortKey(key.type, key.type_index, key.fulfillment_attempt)}#`;

export const trackChunkKey = (key: OrderKey, chunk: number): { pk: string; sk: string } => ({
  pk: partitionKey(key.account_id, key.order_handle),
  sk: `${trackChunkPrefix(key)}${padChunk(chunk)}`,
});

/** The longest sk prefix the selector fixes (type, then type_index, then fulfillment_attempt, in order). */
export const sortKeyPrefix = (selector: OrderSelector): string => {
  if (selector.type === undefined) return '';
  if (selector.type_index === undefined) return `${selector.type}#`;
  if (selector.fulfillment_attempt === undefined) return `${selector.type}#${pad(selector.type_index)}#`;
  return sortKey(selector.type, selector.type_index, selector.fulfillment_attempt);
};

/**
 * The sparse `pending-events` index (infra/orders-table.json): an item is in it only while its
 * OrderCompleted event is pending, because only then does it carry these two top-level attributes.
 *   pending_shard = "pending#" <0..PENDING_SHARDS-1>   spreads the index's writes over several partitions
 *   pending_since = <ISO time the event became pending> the relay reads each shard oldest first
 * The shard comes from the event id (a hash), so it is uniform and stable for one event.
 */
export const PENDING_EVENTS_INDEX = 'pending-events';
/**
 * How many shards completions write to: configuration (PENDING_SHARDS, serverless.yml param `pendingShards`), from 1
 * up to MAX_PENDING_SHARDS. Each shard is one index partition (about 1 000 writes a second; a completion makes two
 * index writes), so the count follows the peak completion rate (docs/capacity.md).
 */
export const DEFAULT_PENDING_SHARDS = 8;
/**
 * Readers (the relay, `npm run events`) always read every shard up to this ceiling, whatever the configured count:
 * raising the count never hides a pending event, and lowering it is safe too (events already in the higher shards
 * are still read). The cost is one Query per empty shard per relay pass (64 a minute: cents a month).
 */
export const MAX_PENDING_SHARDS = 64;

/** The shard of an event: from its id (a hash, so uniform), stable for one event and one shard count. */
export const pendingShard = (eventId: string, shards: number = DEFAULT_PENDING_SHARDS): string =>
  `pending#${Number.parseInt(eventId.slice(0, 2), 16) % shards}`;

/** Every shard any allowed configuration can write. */
export const allPendingShards = (): string[] =>
  Array.from({ length: MAX_PENDING_SHARDS }, (_, shard) => `pending#${shard}`);
