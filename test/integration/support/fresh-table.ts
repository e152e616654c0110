import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, toDocumentClient } from '../../../adapters/aws-clients';
import type { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import type { DynamoDbPendingEventStore } from '../../../adapters/dynamodb/pending-event-store';
import { DynamoDbOrderSeeder } from '../../../adapters/dynamodb/seeder';
import { ensureOrdersTable, localClient } from '../../../scripts/local/dynamodb-local';
import { endpoint, storesOf, type RawItem } from './dynamo';

/**
 * The one table fixture: a new orders table of the test file's own on DynamoDB Local (key schema and pending-events
 * index from infra/orders-table.json), so a snapshot of the WHOLE table proves what a request wrote and did not
 * write, and a relay pass never touches other files' orders. With the three real DynamoDB adapters on it.
 */
export const REGION = 'us-east-1';

export interface Table {
  name: string;
  client: DynamoDBDocumentClient;
  store: DynamoDbOrderStore;
  pending: DynamoDbPendingEventStore;
  seeder: DynamoDbOrderSeeder;
  /** Every item, strongly consistent, sorted by (pk, sk). */
  snapshot(): Promise<RawItem[]>;
  /** Writes a raw item as is (keys included): for orders the seed path would refuse or cannot shape. */
  put(item: RawItem): Promise<void>;
  /** Deletes every item. */
  clear(): Promise<void>;
  /** Closes the client and deletes the table. */
  drop(): Promise<void>;
}

/** `dynamodbEndpoint`: where the adapters send (e.g. a fault-injecting proxy); the table is made on DynamoDB Local. */
export const freshTable = async (label: string, dynamodbEndpoint = endpoint()): Promise<Table> => {
  const name = `orders-${label}-${randomBytes(4).toString('hex')}`;
  const admin = localClient(endpoint(), REGION);
  await ensureOrdersTable(admin, name);
  // The adapters under test get the service's own client (its 1 s connect / 2 s answer budget is part of what is
  // tested). The test's own setup and checks (seed, put, snapshot, clear) get a patient one: on a loaded machine a
  // 400 KB put or a whole-table scan can take longer than 2 s, and a slow fixture must not fail or fool a test.
  const client = createDocumentClient({ region: REGION, endpoint: dynamodbEndpoint });
  const setup = toDocumentClient(
    new DynamoDBClient({
      region: REGION,
      endpoint: endpoint(),
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    }),
  );

  const snapshot = async (): Promise<RawItem[]> => {
    const items: RawItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await setup.send(
        new ScanCommand({ TableName: name, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    const order = (item: RawItem): string => JSON.stringify([item.pk, item.sk]);
    return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  };

  const clear = async (): Promise<void> => {
    const items = await snapshot();
    for (let start = 0; start < items.length; start += 25) {
      let requests = items
        .slice(start, start + 25)
        .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      while (requests.length > 0) {
        const output = await setup.send(new BatchWriteCommand({ RequestItems: { [name]: requests } }));
        requests = (output.UnprocessedItems?.[name] ?? []) as typeof requests;
      }
    }
  };

  return {
    name,
    client,
    ...storesOf(client, name),
    seeder: new DynamoDbOrderSeeder(setup, name),
    snapshot,
    put: async (item) => {
      await setup.send(new PutCommand({ TableName: name, Item: item }));
    },
    clear,
    drop: async () => {
      client.destroy();
      setup.destroy();
      await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      admin.destroy();
    },
  };
};

/** Items that differ between two snapshots (added, removed or changed), by key; structural (map key order is free). */
export const changedItems = (before: readonly RawItem[], after: readonly RawItem[]): RawItem[] => {
  const key = (item: RawItem): string => JSON.stringify([item.pk, item.sk]);
  const was = new Map(before.map((item) => [key(item), item]));
  const is = new Map(after.map((item) => [key(item), item]));
  const changed: RawItem[] = [];
  for (const [k, item] of is) {
    const old = was.get(k);
    if (old === undefined || !isDeepStrictEqual(old, item)) changed.push(item);
  }
  for (const [k, item] of was) if (!is.has(k)) changed.push(item);
  return changed;
};
