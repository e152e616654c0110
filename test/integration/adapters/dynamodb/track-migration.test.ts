// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import '../../support/env';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../../adapters/dynamodb/order-store';
import { toItem } from '../../../../adapters/dynamodb/seeder';
import { migrateTracks, type MigrationProgress } from '../../../../adapters/dynamodb/track-migration';
import { DynamoDbTrackStore, type Fix } from '../../../../adapters/dynamodb/track-store';
import { completeOrder } from '../../../../domain/complete-order';
import type { AccountOrder } from '../../../../domain/order';
import { makeDeps } from '../../../support/fakes';
import { anOrder, endpoint, getItem, orderKey } from '../../support/dynamo';
import { changedItems, freshTable, REGION, type Table } from '../../support/fresh-table';

/**
 * The migration of one-item orders (adapters/dynamodb/track-migration.ts) on DynamoDB Local: a dry run counts and
 * writes nothing; a run moves every long inline track and leaves short ones; it resumes from its cursor; and while it
 * runs, completions and appends on the same orders are neither lost nor repeated.
 */
let table: Table;
beforeAll(async () => {
  table = await freshTable('migration');
});
afterAll(() => table.drop());

const iso = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 5000).toISOString();
const fix = (i: number): Fix => [
  Number((-121.8 - i / 1e6).toFixed(6)),
  Number((37.3 + i / 1e6).toFixed(6)),
  24.5,
  iso(i),
];
const fixes = (count: number, from = 0): Fix[] => Array.from({ length: count }, (_, i) => fix(from + i));

const oldOrder = (handle: string, points: number): AccountOrder =>
  anOrder({ order_handle: handle, status: 'ongoing', polyline: { type: 'LineString', coordinates: fixes(points) } });

/** Writes orders as the one-item layout stored them (tracks inline, whatever their length). */
const putOld = async (orders: readonly AccountOrder[]): Promise<void> => {
  // Small batches: DynamoDB Local on a loaded machine takes its time over big ones.
  for (let start = 0; start < orders.length; start += 5) {
    let requests = orders.slice(start, start + 5).map((order) => ({ PutRequest: { Item: toItem(order) } }));
    while (requests.length > 0) {
      const output = await table.client.send(new BatchWriteCommand({ RequestItems: { [table.name]: requests } }));
      requests = (output.UnprocessedItems?.[table.name] ?? []) as typeof requests;
    }
  }
};

const trackOf = async (order: AccountOrder): Promise<Fix[]> => {
  const item = await getItem(table.client, orderKey(order), table.name);
  if (item?.track_apart === true) return new DynamoDbTrackStore(table.client, table.name).readTrack(orderKey(order));
  return (item?.polyline as { coordinates?: Fix[] } | undefined)?.coordinates ?? [];
};

describe('migrate-tracks', () => {
  test('dry run counts and writes nothing; the run moves long tracks only; a second run finds nothing; it resumes', async () => {
    await table.clear();
    const long = Array.from({ length: 30 }, (_, i) => oldOrder(`long-${i}`, 200 + i));
    const short = Array.from({ length: 10 }, (_, i) => oldOrder(`short-${i}`, 5));
    await putOld([...long, ...short]);
    const before = await table.snapshot();

    const dry = await migrateTracks(table.client, table.name, { dryRun: true });
    expect(dry).toMatchObject({ scanned: 40, moved: 30, skipped: 0, cursor: undefined });
    expect(dry.fixes).toBe(long.reduce((sum, order) => sum + (order.polyline?.coordinates.length ?? 0), 0));
    expect(changedItems(before, await table.snapshot())).toEqual([]);

    // Stopped after its first page, then resumed from the cursor it reported.
    let stoppedAt: MigrationProgress | undefined;
    await expect(
      migrateTracks(table.client, table.name, {
        pageSize: 10,
        onPage: (progress) => {
          stoppedAt = { ...progress };
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(stoppedAt?.cursor).toBeDefined();
    const resumed = await migrateTracks(table.client, table.name, { cursor: stoppedAt?.cursor, pageSize: 10 });
    expect((stoppedAt?.moved ?? 0) + resumed.moved).toBe(30);

    for (const order of long) {
      const item = await getItem(table.client, orderKey(order), table.name);
      expect(item?.polyline).toBeUndefined();
      expect(item?.track_apart).toBe(true);
      expect(await trackOf(order)).toEqual(order.polyline?.coordinates);
    }
    for (const order of short) expect(await getItem(table.client, orderKey(order), table.name)).toEqual(toItem(order));

    const again = await migrateTracks(table.client, table.name);
    expect(again.moved).toBe(0);
  }, 180_000);

  test('while completions and appends hit the same orders: nothing lost, nothing repeated', async () => {
    await table.clear();
    const orders = Array.from({ length: 12 }, (_, i) => oldOrder(`busy-${i}`, 300));
    await putOld(orders);
    // DynamoDB Local serialises a transaction with the writes on its items, and the loaded test machine is slow:
    // a client with a generous per-call budget, so the test sees the protocol and not the timeouts.
    const patient = toDocumentClient(
      new DynamoDBClient({
        region: REGION,
        endpoint: endpoint(),
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: { requestTimeout: 30_000 },
      }),
    );
    const tracks = new DynamoDbTrackStore(patient, table.name);
    const { deps, publisher } = makeDeps(new DynamoDbOrderStore(patient, table.name));

    const completions = orders
      .filter((_, i) => i % 2 === 0)
      .map((order) =>
        completeOrder(deps, {
          account_id: order.account_id,
          order_handle: order.order_handle,
          selector: { type: order.type, type_index: order.type_index, fulfillment_attempt: order.fulfillment_attempt },
        }),
      );
    const appends = orders
      .filter((_, i) => i % 4 < 2)
      .map(async (order) => {
        for (let round = 0; round < 3; round += 1) await tracks.appendFixes(orderKey(order), fixes(5, 300 + 5 * round));
      });
    const [migration, results] = await Promise.all([
      migrateTracks(patient, table.name, { pageSize: 3 }),
      Promise.all(completions),
      Promise.all(appends),
    ]);
    expect(migration.skipped).toBe(0);
    // A second pass moves whatever an append kept inline-changing during the first.
    await migrateTracks(table.client, table.name);

    for (const result of results) {
      expect(result.transitioned).toBe(true);
      expect(result.order.polyline?.coordinates.length).toBeGreaterThanOrEqual(300);
    }
    expect(publisher.published).toHaveLength(completions.length);
    expect(new Set(publisher.published.map((detail) => detail.order_handle)).size).toBe(completions.length);
    for (const [i, order] of orders.entries()) {
      const item = await getItem(table.client, orderKey(order), table.name);
      expect(item?.status).toBe(i % 2 === 0 ? 'completed' : 'ongoing');
      expect(item?.track_apart).toBe(true);
      expect(await trackOf(order)).toEqual(fixes(i % 4 < 2 ? 315 : 300));
    }
    patient.destroy();
  }, 180_000);
});
