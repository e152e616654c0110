import { afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { queryItems } from '../../../adapters/dynamodb/calls';
import { DynamoDbOrderSeeder } from '../../../adapters/dynamodb/seeder';
import { INTERNAL_ATTRIBUTES } from '../../support/internal-attributes';
import { partitionKey, pendingShard, sortKey } from '../../../adapters/dynamodb/keys';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import type { AccountOrder } from '../../../domain/order';
import type { OrderKey } from '../../../domain/order-fields';

/** Shared helpers for the e2e tests: env from global-setup, HTTP, raw DynamoDB access, the events file. */

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: run through the e2e jest project`);
  return value;
};

export const baseUrl = (): string => env('E2E_BASE_URL');
export const eventsFile = (): string => env('E2E_EVENTS_FILE');
export const dynamodbEndpoint = (): string => env('E2E_DYNAMODB_ENDPOINT');
export const tableName = (): string => env('E2E_TABLE_NAME');
/** Everything the stack printed so far: serverless offline and the function's own log lines. */
export const stackLog = (): string => env('E2E_STACK_LOG');

export const LOCAL = 'local-account';
export const OTHER = 'other-account';

export const basic = (user: string, secret: string): string =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
export const localAuth = basic(LOCAL, 'local-secret');
export const otherAuth = basic(OTHER, 'other-secret');

export const uniqueHandle = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export interface JsonObject {
  [key: string]: unknown;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: JsonObject;
  text: string;
}

export interface PostOptions {
  query?: string;
  auth?: string | null;
  body?: string | null;
  contentType?: string | null;
  /** A path segment already encoded as the caller wants it on the wire. */
  rawHandle?: string;
}

/** POST /orders/{handle}/complete; the handle is encodeURIComponent-ed unless rawHandle is given. */
export const complete = async (handle: string, options: PostOptions = {}): Promise<HttpResult> => {
  const segment = options.rawHandle ?? encodeURIComponent(handle);
  const query = options.query === undefined || options.query === '' ? '' : `?${options.query}`;
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? localAuth : options.auth;
  if (auth !== null) headers.authorization = auth;
  const body = options.body === undefined ? '{}' : options.body;
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const init: RequestInit = { method: 'POST', headers };
  // fetch labels a string body text/plain; bytes go out with no content type at all, as contentType: null asks.
  if (body !== null) init.body = contentType === null ? new TextEncoder().encode(body) : body;
  const response = await fetch(`${baseUrl()}/orders/${segment}/complete${query}`, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const bodyObject =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  return { status: response.status, headers: response.headers, body: bodyObject, text };
};

export const expectJsonContentType = (result: HttpResult): void => {
  const type = result.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new Error(`content-type is "${type}", not application/json (status ${result.status}): ${result.text}`);
};

/** complete(), and every answer must be JSON whatever its status. */
export const completeJson = async (handle: string, options: PostOptions = {}): Promise<HttpResult> => {
  const result = await complete(handle, options);
  expectJsonContentType(result);
  return result;
};

export const createClient = (): DynamoDBDocumentClient =>
  createDocumentClient({ region: 'us-east-1', endpoint: dynamodbEndpoint() });

/** One DynamoDB client per test file (jest loads this module once per file), closed after the file's tests. */
export const client: DynamoDBDocumentClient = createClient();
afterAll(() => client.destroy());

export const seedOrders = async (client: DynamoDBDocumentClient, orders: readonly AccountOrder[]): Promise<void> => {
  await new DynamoDbOrderSeeder(client, tableName()).putOrders(orders);
};

/** One order record's identity: the domain's OrderKey. */
export type RecordId = OrderKey;

export const getRaw = async (client: DynamoDBDocumentClient, id: RecordId): Promise<JsonObject | undefined> => {
  const output = await client.send(
    new GetCommand({
      TableName: tableName(),
      Key: {
        pk: partitionKey(id.account_id, id.order_handle),
        sk: sortKey(id.type, id.type_index, id.fulfillment_attempt),
      },
      ConsistentRead: true,
    }),
  );
  return output.Item as JsonObject | undefined;
};

/** Writes a raw item (keys added), bypassing the seed validation: for states only the service itself creates. */
export const putRaw = async (client: DynamoDBDocumentClient, id: RecordId, attributes: JsonObject): Promise<void> => {
  await client.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...attributes,
        ...id,
        pk: partitionKey(id.account_id, id.order_handle),
        sk: sortKey(id.type, id.type_index, id.fulfillment_attempt),
      },
    }),
  );
};

export const recordOf = (orderHandle: string, overrides: Partial<RecordId> = {}): RecordId => ({
  account_id: LOCAL,
  order_handle: orderHandle,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  ...overrides,
});

/**
 * Deletes every item of an order's partition (its records and their track chunks). For tests that seed very long
 * tracks into the shared e2e table: left there, they would slow every later full-table Scan (hostile-input's
 * snapshots) by however many megabytes they hold, and make later tests' time depend on the files' order.
 */
export const deleteOrder = async (client: DynamoDBDocumentClient, accountId: string, orderHandle: string) => {
  const query = {
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': partitionKey(accountId, orderHandle) },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  };
  const keys: { pk: string; sk: string }[] = [];
  for await (const item of queryItems(client, query)) keys.push({ pk: String(item.pk), sk: String(item.sk) });
  for (let start = 0; start < keys.length; start += 25) {
    let requests = keys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (requests.length > 0) {
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }));
      requests = (output.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
};

/**
 * A completed order whose OrderCompleted event is stuck in the outbox, as a request that died between its write and
 * its publish leaves it (completed 90 s ago, its lease long expired): the relay's to deliver.
 */
export const plantStuckEvent = async (
  client: DynamoDBDocumentClient,
  tag: string,
): Promise<{ handle: string; id: RecordId; eventId: string; completedAt: string }> => {
  const handle = uniqueHandle(tag);
  const completedAt = new Date(Date.now() - 90_000).toISOString();
  const id = recordOf(handle);
  const eventId = orderCompletedEventId(id, completedAt);
  await putRaw(client, id, {
    ...makeOrder({ order_handle: handle, status: 'completed', completed_at: completedAt }),
    pending_event: { event_id: eventId, since: completedAt, lease_until: Date.parse(completedAt) + 10_000 },
    pending_shard: pendingShard(eventId),
    pending_since: completedAt,
  });
  return { handle, id, eventId, completedAt };
};

/** A raw item as the API should show it: the stored attributes minus the internal ones. */
export const withoutInternals = (item: JsonObject): JsonObject => {
  const copy: JsonObject = { ...item };
  for (const name of INTERNAL_ATTRIBUTES) delete copy[name];
  return copy;
};

export const timelineOf = (body: JsonObject): JsonObject[] =>
  Array.isArray(body.timeline) ? (body.timeline as JsonObject[]) : [];

/** A small valid order record; override any field. */
export const makeOrder = (overrides: Partial<AccountOrder> & { order_handle: string }): AccountOrder => ({
  account_id: LOCAL,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'ongoing',
  destination: { geometry: { type: 'Point', coordinates: [-122.4194, 37.7749] }, address: '1 Market St', radius: 50 },
  route_handle: 'route-e2e',
  worker_handle: 'James',
  device_id: 'device-e2e',
  metadata: { customerID: 'e2e' },
  share_url: 'https://trck.at/e2e',
  created_at: '2023-10-25T17:54:42.233Z',
  polyline: { type: 'LineString', coordinates: [[-122.4, 37.7, 10, '2023-10-26T01:39:24.125Z']] },
  timeline: [{ type: 'order_created', recorded_at: '2023-10-25T17:54:42.233Z', order_handle: overrides.order_handle }],
  ...overrides,
});

// ---- events.jsonl ----

export interface EventLine {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  detail: JsonObject;
}

export const readEvents = (): EventLine[] => {
  const file = eventsFile();
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const events: EventLine[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as EventLine);
    } catch {
      // a line still being written; the next poll sees it whole
    }
  }
  return events;
};

export type EventFilter = (event: EventLine) => boolean;

/** Local EventBridge ids can repeat: an event is identified by its detail.event_id. */
export const byEventId =
  (eventId: unknown): EventFilter =>
  (event) =>
    event.detail.event_id === eventId;

export const forRecord =
  (account: string, handle: string): EventFilter =>
  (event) =>
    event.detail.account_id === account && event.detail.order_handle === handle;

/** Polls the events file until at least `count` matching events exist, or the deadline passes. */
export const waitForEvents = async (filter: EventFilter, count = 1, deadlineMs = 10_000): Promise<EventLine[]> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const found = readEvents().filter(filter);
    if (found.length >= count || Date.now() > until) return found;
    await sleep(100);
  }
};

/** A bounded check that no further matching event arrives: returns every matching event after ~windowMs. */
export const eventsAfterQuietWindow = async (filter: EventFilter, windowMs = 2_000): Promise<EventLine[]> => {
  await sleep(windowMs);
  return readEvents().filter(filter);
};
