import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderKey, OrderType } from '../../domain/order-fields';
import { call } from './calls';
import { DynamoDbTrackStore, TRACK_APART, staysInline, type Fix } from './track-store';

/**
 * The migration of orders stored in the one-item layout: every order record whose inline track is longer than the
 * inline limit has it moved to chunk items (DynamoDbTrackStore.moveOut: one transaction, conditional on the record
 * still holding exactly the fixes read, so a completion or an append meanwhile is never lost; a record changed
 * meanwhile is read again and moved on the next try). Safe to run while the service serves, and again: records
 * already moved, or short, are left alone.
 */

export interface MigrationProgress {
  /** Order records looked at. */
  scanned: number;
  /** Records whose track was (or, in a dry run, would be) moved out. */
  moved: number;
  /** Fixes moved (or to move). */
  fixes: number;
  /** Records a concurrent writer kept changing through every try (run again to move them). */
  skipped: number;
  /** Where the scan stopped: pass it back to resume; undefined once the table was read to the end. */
  cursor: Record<string, unknown> | undefined;
}

export interface MigrationOptions {
  dryRun?: boolean;
  /** Resume after this scan position (a previous run's cursor). */
  cursor?: Record<string, unknown> | undefined;
  /** Called after every scan page (e.g. to save the cursor and report). */
  onPage?: (progress: MigrationProgress) => void | Promise<void>;
  /** Scan page size. */
  pageSize?: number;
}

const MOVE_TRIES = 5;

export const migrateTracks = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: MigrationOptions = {},
): Promise<MigrationProgress> => {
  const tracks = new DynamoDbTrackStore(client, tableName);
  const progress: MigrationProgress = { scanned: 0, moved: 0, fixes: 0, skipped: 0, cursor: options.cursor };
  do {
    const page = await call(() =>
      client.send(
        new ScanCommand({
          TableName: tableName,
          // Order records with an inline track (chunk items and records already apart do not match).
          FilterExpression: 'attribute_exists(polyline.coordinates) AND attribute_not_exists(#apart)',
          ExpressionAttributeNames: { '#apart': TRACK_APART, '#type': 'type' },
          ProjectionExpression: 'pk, sk, account_id, order_handle, #type, type_index, fulfillment_attempt, polyline',
          ExclusiveStartKey: progress.cursor,
          Limit: options.pageSize ?? 100,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      if (String(item.sk).startsWith('~')) continue;
      progress.scanned += 1;
      const coordinates = (item.polyline as { coordinates?: Fix[] }).coordinates ?? [];
      if (staysInline(coordinates)) continue;
      if (options.dryRun === true) {
        progress.moved += 1;
        progress.fixes += coordinates.length;
        continue;
      }
      const key: OrderKey = {
        account_id: String(item.account_id),
        order_handle: String(item.order_handle),
        type: item.type as OrderType,
        type_index: Number(item.type_index),
        fulfillment_attempt: Number(item.fulfillment_attempt),
      };
      let done = false;
      for (let attempt = 0; attempt < MOVE_TRIES && !done; attempt += 1) {
        const result = await tracks.moveOut(key);
        if (result.outcome === 'moved') {
          progress.moved += 1;
          progress.fixes += result.fixes;
        }
        // 'changed': an append or another writer got in between: read again and retry.
        done = result.outcome !== 'changed';
      }
      if (!done) progress.skipped += 1;
    }
    progress.cursor = page.LastEvaluatedKey;
    await options.onPage?.(progress);
  } while (progress.cursor !== undefined);
  return progress;
};
