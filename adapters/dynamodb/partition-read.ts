import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallOptions } from '../../domain/ports';
import { queryPages } from './calls';
import { ORDER_RECORDS_END, partitionKey, TRACK_SK_PREFIX } from './keys';
import { READ_PAGE_CHUNKS, TRACK_APART, type Fix } from './track-chunks';

/** What selection reads of an order record (every read of records projects these; names in RECORD_NAMES). */
export const RECORD_PROJECTION = '#type, type_index, fulfillment_attempt, route_handle, #apart';
export const RECORD_NAMES = { '#type': 'type', '#apart': TRACK_APART } as const;

/** Room on a page for a handle's records (its pick and drop parts and their attempts), besides a page of chunks. */
export const RECORDS_PAGE_ROOM = 8;

export interface PartitionRead {
  /** The handle's order records (RECORD_PROJECTION and sk), in sk order. */
  records: Record<string, unknown>[];
  /**
   * Every fix of one record's track stored apart, in order: the chunks the first pages held, then the rest of the
   * partition, read on the first call (alongside the completing write) and shared by later calls.
   */
  trackOf: (recordSk: string) => Promise<Fix[]>;
}

/**
 * A handle's whole partition in ONE Query: its order records, then the chunks of their tracks (keys.ts sorts every
 * chunk after every record). DynamoDB rounds a Query's read units up to 4 KB per page, not per item, so the records
 * and a track read together cost what the one-item layout's Query of the same records costs; read apart, each rounds
 * up on its own (one unit more). Used by the plain POST (no selector), which reads every record anyway.
 *
 * Pages hold at most READ_PAGE_CHUNKS + RECORDS_PAGE_ROOM items (about 256 KB, as the track's own reads). Pages are
 * read until one holds a chunk (or the partition ends), which shows every record was seen; the rest of the
 * partition is read only when a track is asked for, so a short order costs one page and a long one's remaining
 * pages run alongside the write.
 */
export const readPartition = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
  orderHandle: string,
  options: CallOptions = {},
): Promise<PartitionRead> => {
  const pages = queryPages(
    client,
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitionKey(accountId, orderHandle) },
      ExpressionAttributeNames: RECORD_NAMES,
      ProjectionExpression: `${RECORD_PROJECTION}, sk, fixes`,
      // Strongly consistent: an attempt created a moment ago must be the one that counts as latest.
      ConsistentRead: true,
      Limit: READ_PAGE_CHUNKS + RECORDS_PAGE_ROOM,
    },
    options,
  );
  const records: Record<string, unknown>[] = [];
  const chunks: Record<string, unknown>[] = [];
  let ended = false;
  while (chunks.length === 0) {
    const page = await pages.next();
    if (page.done === true) {
      ended = true;
      break;
    }
    for (const item of page.value) (String(item.sk) < ORDER_RECORDS_END ? records : chunks).push(item);
  }
  let rest: Promise<void> | undefined;
  const readRest = (): Promise<void> =>
    (rest ??= ended
      ? Promise.resolve()
      : (async () => {
          for await (const page of pages) chunks.push(...page);
        })());
  return {
    records,
    trackOf: async (recordSk) => {
      await readRest();
      const prefix = `${TRACK_SK_PREFIX}${recordSk}#`;
      const fixes: Fix[] = [];
      for (const chunk of chunks) {
        if (String(chunk.sk).startsWith(prefix)) for (const fix of chunk.fixes as Fix[]) fixes.push(fix);
      }
      return fixes;
    },
  };
};
