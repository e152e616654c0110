import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ORDER_RECORDS_END, TRACK_SK_PREFIX } from '../adapters/dynamodb/keys';
import { READ_PAGE_CHUNKS, TRACK_APART } from '../adapters/dynamodb/track-chunks';

/**
 * The bench baseline's reads in the service's layout (adapters/dynamodb/partition-read.ts and track-store.ts), made
 * with the same calls and written without the service's helpers:
 *   - a plain POST reads the handle's partition in one consistent Query (pages of 32 chunks + 8 records), records
 *     first; pages after the first that held a chunk are read only for a track stored apart, alongside the write;
 *   - a selection by type reads the records alone, and a track stored apart with its own chunk Query (pages of 32).
 */
const RECORDS_PAGE_ROOM = 8;
const RECORD_NAMES = { '#type': 'type', '#apart': TRACK_APART };
const RECORD_PROJECTION = '#type, type_index, fulfillment_attempt, route_handle, #apart';

export interface BaselineRecords {
  records: Record<string, unknown>[];
  /** Every fix of a record's track stored apart (reads what the records' read left). */
  trackOf: (recordSk: string) => Promise<unknown[]>;
}

/** Every fix of a track stored apart, in order: its chunk items, 32 to a page, strongly consistent. */
export const readTrack = async (
  dynamo: DynamoDBDocumentClient,
  table: string,
  pk: string,
  recordSk: string,
): Promise<unknown[]> => {
  const fixes: unknown[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': `${TRACK_SK_PREFIX}${recordSk}#` },
        ProjectionExpression: 'fixes',
        ConsistentRead: true,
        Limit: READ_PAGE_CHUNKS,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) fixes.push(...(item.fixes as unknown[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return fixes;
};

/** A plain POST's read: the whole partition, records then chunks. */
const readPartition = async (dynamo: DynamoDBDocumentClient, table: string, pk: string): Promise<BaselineRecords> => {
  const records: Record<string, unknown>[] = [];
  const chunks: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  const page = async () => {
    const output = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExpressionAttributeNames: RECORD_NAMES,
        ProjectionExpression: `${RECORD_PROJECTION}, sk, fixes`,
        ConsistentRead: true,
        Limit: READ_PAGE_CHUNKS + RECORDS_PAGE_ROOM,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of output.Items ?? []) (String(item.sk) < ORDER_RECORDS_END ? records : chunks).push(item);
    startKey = output.LastEvaluatedKey;
  };
  do await page();
  while (chunks.length === 0 && startKey !== undefined);
  let rest: Promise<void> | undefined;
  const readRest = async () => {
    while (startKey !== undefined) await page();
  };
  return {
    records,
    trackOf: async (recordSk) => {
      await (rest ??= readRest());
      const prefix = `${TRACK_SK_PREFIX}${recordSk}#`;
      return chunks.filter((chunk) => String(chunk.sk).startsWith(prefix)).flatMap((chunk) => chunk.fixes as unknown[]);
    },
  };
};

/** The records a request may select: the whole partition (plain POST), or those under an sk prefix. */
export const readRecords = async (
  dynamo: DynamoDBDocumentClient,
  table: string,
  pk: string,
  prefix: string,
  latestOnly: boolean,
): Promise<BaselineRecords> => {
  if (prefix === '') return readPartition(dynamo, table, pk);
  const page = await dynamo.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ExpressionAttributeNames: RECORD_NAMES,
      ProjectionExpression: RECORD_PROJECTION,
      ConsistentRead: true,
      ...(latestOnly ? { ScanIndexForward: false, Limit: 1 } : {}),
    }),
  );
  return { records: page.Items ?? [], trackOf: (recordSk) => readTrack(dynamo, table, pk, recordSk) };
};
