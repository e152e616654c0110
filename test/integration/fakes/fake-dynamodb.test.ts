import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { DynamoDbPendingEventStore } from '../../../adapters/dynamodb/pending-event-store';
import { DynamoDbOrderSeeder, toItem } from '../../../adapters/dynamodb/seeder';
import type { OrderKey } from '../../../domain/order-fields';
import type { CompletionWrite } from '../../../domain/ports';
import { BENCH_TIMELINE_EVENTS, benchOrder } from '../../../bench/orders';
import { FakeDynamoDb, type KeySchemaElement } from '../../../scripts/local/fakes/dynamodb/fake-dynamodb';
import { endpoint, tableName } from '../support/dynamo';

/**
 * The bench's fast DynamoDB fake against DynamoDB Local, differentially: the service's own store makes the same
 * calls on both (complete on a list, a NULL and a refused timeline, missing orders, leases, clearing with the
 * route-handle fill, record lookup) and every answer and every stored item must be the same.
 */
const ACCOUNT = 'local-account';
const keySchema = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'infra', 'orders-table.json'), 'utf8')) as {
    KeySchema: KeySchemaElement[];
  }
).KeySchema;

interface Backend {
  client: DynamoDBDocumentClient;
  store: DynamoDbOrderStore;
  pending: DynamoDbPendingEventStore;
  seeder: DynamoDbOrderSeeder;
}

const key = (handle: string, attempt = 0): OrderKey => ({
  account_id: ACCOUNT,
  order_handle: handle,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: attempt,
});

const write = (handle: string, at: string, attempt = 0): CompletionWrite => ({
  key: key(handle, attempt),
  completed_at: at,
  timeline_event: {
    type: 'order_completed',
    recorded_at: at,
    order_handle: handle,
    order_type: 'drop',
    fulfillment_attempt: attempt,
  },
  pending_event: { event_id: `ab${'0'.repeat(30)}`, since: at, lease_until: 1_000 },
});

/** The script both backends run; each step's answer is recorded (errors by name). */
const script = async ({ store, pending, seeder }: Backend, handles: string[]): Promise<unknown[]> => {
  const [open, cancelled, nullTimeline, twoAttempts] = handles as [string, string, string, string];
  const at = '2026-12-05T08:00:00.000Z';
  await seeder.putOrders([
    benchOrder(ACCOUNT, open, 3),
    { ...benchOrder(ACCOUNT, cancelled, 3), status: 'cancelled' },
    { ...benchOrder(ACCOUNT, nullTimeline, 0), timeline: null },
    benchOrder(ACCOUNT, twoAttempts, 2),
    { ...benchOrder(ACCOUNT, twoAttempts, 2), fulfillment_attempt: 1 },
  ]);
  const outcome = async (step: () => Promise<unknown>) => step().catch((error: Error) => `threw ${error.name}`);
  // The completion event follows the bench order's timeline.
  const fill = { index: BENCH_TIMELINE_EVENTS, recorded_at: at, route_handle: 'route-bench-1' };
  return [
    await outcome(() => store.complete(write(open, at))),
    await outcome(() => store.complete(write(open, at))),
    await outcome(() => store.complete(write(cancelled, at))),
    await outcome(() => store.complete(write(`${open}-missing`, at))),
    await outcome(() => store.complete(write(nullTimeline, at))),
    await outcome(() => pending.claimPendingEvent(key(nullTimeline), `ab${'0'.repeat(30)}`, 999, 5_000)),
    await outcome(() => pending.claimPendingEvent(key(nullTimeline), `ab${'0'.repeat(30)}`, 1_000, 5_000)),
    await outcome(() => pending.releasePendingEvent(key(nullTimeline), `ab${'0'.repeat(30)}`, 5_000)),
    await outcome(() => pending.clearPendingEvent(key(open), `ab${'0'.repeat(30)}`, { ...fill, recorded_at: 'other' })),
    await outcome(() => pending.clearPendingEvent(key(open), `ab${'0'.repeat(30)}`, fill)),
    await outcome(() => store.findRecords(ACCOUNT, twoAttempts, { type: 'drop', type_index: 0 })),
    await outcome(() => store.findRecords(ACCOUNT, twoAttempts, { type: 'drop' })),
    await outcome(() => store.findRecords(ACCOUNT, twoAttempts, {})),
  ];
};

const storedItems = async ({ client }: Backend, handles: string[]) =>
  Promise.all(
    handles.flatMap((handle) =>
      [0, 1].map(async (attempt) => {
        const { pk, sk } = toItem({ ...benchOrder(ACCOUNT, handle, 0), fulfillment_attempt: attempt });
        return (await client.send(new GetCommand({ TableName: tableName(), Key: { pk, sk }, ConsistentRead: true })))
          .Item;
      }),
    ),
  );

describe('the fast DynamoDB fake answers the service store as DynamoDB Local does', () => {
  const fake = new FakeDynamoDb();
  let local: Backend;
  let faked: Backend;

  beforeAll(async () => {
    await fake.start();
    fake.createTable(tableName(), keySchema);
    const localClient = createDocumentClient({ region: 'us-east-1', endpoint: endpoint() });
    const fakeClient = createDocumentClient({ region: 'us-east-1', endpoint: fake.endpoint });
    const backend = (client: DynamoDBDocumentClient): Backend => ({
      client,
      store: new DynamoDbOrderStore(client, tableName()),
      pending: new DynamoDbPendingEventStore(client, tableName()),
      seeder: new DynamoDbOrderSeeder(client, tableName()),
    });
    local = backend(localClient);
    faked = backend(fakeClient);
  });

  afterAll(async () => {
    local.client.destroy();
    faked.client.destroy();
    await fake.stop();
  });

  test('same answers, same stored items', async () => {
    const handles = ['open', 'cancelled', 'null-timeline', 'two-attempts'].map(
      (label) => `fake-${label}-${randomBytes(4).toString('hex')}`,
    );
    const expected = await script(local, handles);
    const actual = await script(faked, handles);
    expect(actual).toEqual(expected);
    expect(expected[0]).toMatchObject({ outcome: 'completed' });
    expect(expected[1]).toMatchObject({ outcome: 'unchanged' });
    expect(expected[3]).toEqual({ outcome: 'missing' });
    expect(await storedItems(faked, handles)).toEqual(await storedItems(local, handles));
  });
});
