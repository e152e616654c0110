import { randomBytes } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, toDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { DynamoDbPendingEventStore } from '../../../adapters/dynamodb/pending-event-store';
import { DynamoDbOrderSeeder } from '../../../adapters/dynamodb/seeder';
import { partitionKey, sortKey } from '../../../adapters/dynamodb/keys';
import type { AccountOrder } from '../../../domain/order';
import type { OrderKey, OrderStatus } from '../../../domain/order-fields';

/** The real DynamoDB Local started by global-setup.ts, through the service's own client factory. */
export const endpoint = (): string => {
  const value = process.env.DYNAMODB_ENDPOINT;
  if (value === undefined || value === '')
    throw new Error('DYNAMODB_ENDPOINT not set: run with --selectProjects integration');
  return value;
};

export const tableName = (): string => {
  const value = process.env.ORDERS_TABLE_NAME;
  if (value === undefined || value === '')
    throw new Error('ORDERS_TABLE_NAME not set: run with --selectProjects integration');
  return value;
};

export interface Dynamo {
  client: DynamoDBDocumentClient;
  store: DynamoDbOrderStore;
  pending: DynamoDbPendingEventStore;
  seeder: DynamoDbOrderSeeder;
  destroy(): void;
}

/**
 * A client for a test's own setup and checks (seeding, raw puts, snapshots), not for the adapters under test: those
 * get the service's client, whose 1 s connect / 2 s answer budget is part of what is tested. On a 2-core machine
 * loaded by other jobs, seeding 300 KB orders or scanning a table can take longer than 2 s; a slow fixture must
 * neither fail a test nor fool it (a timeout is not an answer), so this one waits up to a minute.
 */
export const patientDocumentClient = (at: string = endpoint()): DynamoDBDocumentClient =>
  toDocumentClient(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: at,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    }),
  );

export const connect = (): Dynamo => {
  const client = createDocumentClient({ region: 'us-east-1', endpoint: endpoint() });
  const setup = patientDocumentClient();
  return {
    client,
    ...storesOf(client, tableName()),
    seeder: new DynamoDbOrderSeeder(setup, tableName()),
    destroy: () => {
      client.destroy();
      setup.destroy();
    },
  };
};

export const ACCOUNT = 'local-account';
export const OTHER_ACCOUNT = 'other-account';

/** A handle no other test (or run) uses. */
export const uniqueHandle = (label: string): string =>
  `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export type RawItem = Record<string, unknown>;

/** One order record's identity: the domain's OrderKey. */
export type RecordId = OrderKey;

export const keyOf = (id: RecordId): { pk: string; sk: string } => ({
  pk: partitionKey(id.account_id, id.order_handle),
  sk: sortKey(id.type, id.type_index, id.fulfillment_attempt),
});

export const orderKey = (order: AccountOrder): OrderKey => ({
  account_id: order.account_id,
  order_handle: order.order_handle,
  type: order.type,
  type_index: order.type_index,
  fulfillment_attempt: order.fulfillment_attempt,
});

/** The raw stored item, strongly consistent; undefined when absent. */
export const getItem = async (
  client: DynamoDBDocumentClient,
  id: RecordId,
  table: string = tableName(),
): Promise<RawItem | undefined> => {
  const output = await client.send(new GetCommand({ TableName: table, Key: keyOf(id), ConsistentRead: true }));
  return output.Item;
};

export const mustGetItem = async (
  client: DynamoDBDocumentClient,
  id: RecordId,
  table: string = tableName(),
): Promise<RawItem> => {
  const item = await getItem(client, id, table);
  if (item === undefined) throw new Error(`no stored item for ${JSON.stringify(keyOf(id))}`);
  return item;
};

/** Raw items of many records at once (strongly consistent BatchGetItem), in the order of `ids`; undefined where absent. */
export const getItems = async (
  client: DynamoDBDocumentClient,
  ids: readonly RecordId[],
): Promise<(RawItem | undefined)[]> => {
  const found = new Map<string, RawItem>();
  const id = (key: { pk: unknown; sk: unknown }): string => JSON.stringify([key.pk, key.sk]);
  for (let start = 0; start < ids.length; start += 100) {
    let keys: Record<string, unknown>[] = ids.slice(start, start + 100).map(keyOf);
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt > 10) throw new Error('BatchGetItem kept leaving keys unprocessed');
      const output = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of output.Responses?.[tableName()] ?? []) found.set(id({ pk: item.pk, sk: item.sk }), item);
      keys = output.UnprocessedKeys?.[tableName()]?.Keys ?? [];
    }
  }
  return ids.map((record) => found.get(id(keyOf(record))));
};

/** Every raw item of one account's handle, all pages, strongly consistent, in sk order. */
export const queryPartition = async (
  client: DynamoDBDocumentClient,
  accountId: string,
  orderHandle: string,
): Promise<RawItem[]> => {
  const items: RawItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitionKey(accountId, orderHandle) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
};

/** Writes a raw item as is (for states the seed shape cannot express, such as a pending_event). */
export const putRawItem = async (
  client: DynamoDBDocumentClient,
  item: RawItem,
  table: string = tableName(),
): Promise<void> => {
  await client.send(new PutCommand({ TableName: table, Item: item }));
};

/** Drops the attributes the completing write may change, leaving what must stay untouched. */
export const withoutCompletionFields = (item: RawItem): RawItem => {
  const rest: RawItem = { ...item };
  for (const field of ['status', 'completed_at', 'timeline', 'pending_event', 'pending_shard', 'pending_since'])
    delete rest[field];
  return rest;
};

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A full order record in the API's shape (every field the API page shows), with a few nulls and
 * nested maps so that "everything else unchanged" means something.
 */
export const anOrder = (overrides: Partial<AccountOrder> & { order_handle: string }): AccountOrder => {
  const status: OrderStatus = overrides.status ?? 'ongoing';
  const order: AccountOrder = {
    account_id: ACCOUNT,
    fulfillment_attempt: 0,
    status,
    destination: {
      geometry: { type: 'Point', coordinates: [-121.8871193, 37.390611] },
      address: '1709 Automation Pkwy, San Jose, CA 95101',
      radius: 100,
    },
    ops_group_handle: 'store-SF',
    track_mode: 'on_time',
    plan_mode: 'manual',
    risk_status: true,
    risks: { is_offline: 'green', moving_too_slow: 'yellow' },
    scheduled_at: '2023-10-26T02:00:00.000Z',
    started_at: '2023-10-26T01:28:21.925Z',
    type: 'pick',
    type_index: 0,
    expected_service_time: 0,
    actual_service_time: 12.5,
    tracked_service_time: 0,
    capacity_used: 1,
    metadata: { customerID: '12654', nested: { tags: ['a', 'b'], vip: true, score: 4.5, none: null } },
    region: { country: 'United States', city: 'San Jose', state: null },
    share_url: 'https://trck.at/xvgK2DRQvl',
    completed_at: null,
    device_id: '52193948-1A79-47CC-AB81-2FB0A59536D1',
    worker_handle: 'James',
    created_at: '2023-10-25T17:54:42.233Z',
    assigned_at: '2023-10-25T18:08:44.892Z',
    route_handle: '812a1ea5-8c1e-407a-ba24-6cc46d783fef',
    planned_at: '2023-10-25T18:08:44.659Z',
    plan_id: '0f3415f2-63b7-4727-83d2-010e88b48715',
    distance: 0,
    duration: 21,
    tracking_rate: 0,
    polyline: {
      type: 'LineString',
      coordinates: [
        [-121.877246, 37.371916, 24.49, '2023-10-26T01:39:24.125Z'],
        [-121.877, 37.3719, null, '2023-10-26T01:40:24.125Z'],
        [-121.876, 37.372],
      ],
    },
    start_location: { type: 'Point', coordinates: [-121.877246, 37.371916] },
    end_location: { type: 'Point', coordinates: [-121.877246, 37.371916, 10] },
    visited_destination: false,
    completed_at_destination: false,
    deviation_from_destination: 2254,
    previous_fulfillments: [],
    timeline: [
      {
        type: 'order_created',
        recorded_at: '2023-10-25T17:54:42.233Z',
        order_handle: overrides.order_handle,
        metadata: { customerID: '12654' },
      },
      {
        type: 'order_started',
        recorded_at: '2023-10-26T01:28:21.925Z',
        order_handle: overrides.order_handle,
        fulfillment_attempt: 0,
      },
    ],
    ...overrides,
  };
  return order;
};

/** The three DynamoDB adapters on one table: the order store, the pending-event store and the seeder. */
export const storesOf = (client: DynamoDBDocumentClient, table: string) => ({
  store: new DynamoDbOrderStore(client, table),
  pending: new DynamoDbPendingEventStore(client, table),
  seeder: new DynamoDbOrderSeeder(client, table),
});
