import { afterAll, describe, expect, test } from '@jest/globals';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ORDER_RECORDS_END, partitionKey } from '../../../adapters/dynamodb/keys';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { completeOrder } from '../../../domain/complete-order';
import { AmbiguousOrder, OrderNotFound } from '../../../domain/errors';
import type { AccountOrder } from '../../../domain/order';
import type { OrderType } from '../../../domain/order-fields';
import type { OrderSelector } from '../../../domain/selection';
import {
  ACCOUNT,
  anOrder,
  connect,
  mustGetItem,
  queryPartition,
  tableName,
  uniqueHandle,
  type RawItem,
} from '../support/dynamo';
import { makeDeps } from '../../support/fakes';

/** Which record of a handle gets completed, decided from what is really stored in DynamoDB Local. */
const dynamo = connect();
afterAll(() => dynamo.destroy());

interface Part {
  type: OrderType;
  type_index: number;
  fulfillment_attempt: number;
  status?: AccountOrder['status'];
}

const seedParts = async (label: string, parts: readonly Part[]): Promise<string> => {
  const handle = uniqueHandle(label);
  await dynamo.seeder.putOrders(parts.map((part) => anOrder({ order_handle: handle, status: 'ongoing', ...part })));
  return handle;
};

const idOf = (item: RawItem): string =>
  `${String(item.type)}/${String(item.type_index)}/${String(item.fulfillment_attempt)}`;

/** The records of the handle that are completed now (by `type/type_index/attempt`), and the ones that are not. */
const statuses = async (handle: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await queryPartition(dynamo.client, ACCOUNT, handle)).map((item) => [idOf(item), String(item.status)]),
  );

const complete = (handle: string, selector: OrderSelector) => {
  const { deps, publisher } = makeDeps(dynamo.store);
  return { publisher, result: completeOrder(deps, { account_id: ACCOUNT, order_handle: handle, selector }) };
};

describe('a handle with a pick part and a drop part', () => {
  const parts: Part[] = [
    { type: 'pick', type_index: 0, fulfillment_attempt: 0 },
    { type: 'drop', type_index: 0, fulfillment_attempt: 0 },
  ];

  test('without type: AmbiguousOrder naming `type` (and not type_index), nothing written or published', async () => {
    const handle = await seedParts('pick-drop', parts);
    const before = await queryPartition(dynamo.client, ACCOUNT, handle);
    const { result, publisher } = complete(handle, {});

    const error: unknown = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmbiguousOrder);
    const missing = (error as AmbiguousOrder).missing;
    expect(Object.keys(missing)).toEqual(['type']);
    expect(missing.type?.[0]).toMatch(/drop and pick/);
    expect(await queryPartition(dynamo.client, ACCOUNT, handle)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });

  test('type_index alone does not disambiguate: still names `type`', async () => {
    const handle = await seedParts('pick-drop-index', parts);
    const { result } = complete(handle, { type_index: 0 });
    await expect(result).rejects.toMatchObject({ missing: { type: [expect.any(String)] } });
    expect(await statuses(handle)).toEqual({ 'pick/0/0': 'ongoing', 'drop/0/0': 'ongoing' });
  });

  test.each(['pick', 'drop'] as const)('with type=%s: exactly that part is completed', async (type) => {
    const handle = await seedParts(`pick-drop-${type}`, parts);
    const { result, publisher } = complete(handle, { type });

    const { order } = await result;

    expect(order.type).toBe(type);
    const other = type === 'pick' ? 'drop' : 'pick';
    expect(await statuses(handle)).toEqual({ [`${type}/0/0`]: 'completed', [`${other}/0/0`]: 'ongoing' });
    expect(publisher.published.map((detail) => detail.type)).toEqual([type]);
  });
});

describe('several fulfillment attempts of one part', () => {
  const attempts: Part[] = [
    { type: 'drop', type_index: 0, fulfillment_attempt: 0, status: 'cancelled' },
    { type: 'drop', type_index: 0, fulfillment_attempt: 1, status: 'ongoing' },
    { type: 'drop', type_index: 0, fulfillment_attempt: 2, status: 'dispatched' },
    // 10 sorts after 2 only because sort keys are zero-padded: a string sort would put it between 1 and 2.
    { type: 'drop', type_index: 0, fulfillment_attempt: 10, status: 'assigned' },
  ];

  test('without fulfillment_attempt: the latest attempt (numerically) is completed, the others untouched', async () => {
    const handle = await seedParts('attempts-latest', attempts);
    const { result, publisher } = complete(handle, {});

    const { order } = await result;

    expect(order.fulfillment_attempt).toBe(10);
    expect(await statuses(handle)).toEqual({
      'drop/0/0': 'cancelled',
      'drop/0/1': 'ongoing',
      'drop/0/2': 'dispatched',
      'drop/0/10': 'completed',
    });
    expect(publisher.published.map((detail) => detail.fulfillment_attempt)).toEqual([10]);
  });

  test('with fulfillment_attempt: exactly that attempt', async () => {
    const handle = await seedParts('attempts-exact', attempts);
    const { result } = complete(handle, { fulfillment_attempt: 1 });

    expect((await result).order.fulfillment_attempt).toBe(1);
    expect(await statuses(handle)).toEqual({
      'drop/0/0': 'cancelled',
      'drop/0/1': 'completed',
      'drop/0/2': 'dispatched',
      'drop/0/10': 'assigned',
    });
  });

  test('an earlier cancelled attempt named explicitly is refused; a missing attempt is not found', async () => {
    const handle = await seedParts('attempts-refuse', attempts);
    await expect(complete(handle, { fulfillment_attempt: 0 }).result).rejects.toMatchObject({ status: 'cancelled' });
    await expect(complete(handle, { fulfillment_attempt: 3 }).result).rejects.toBeInstanceOf(OrderNotFound);
    expect(Object.values(await statuses(handle))).not.toContain('completed');
  });
});

describe('several parts of one type (type_index)', () => {
  const parts: Part[] = [
    { type: 'drop', type_index: 0, fulfillment_attempt: 0 },
    { type: 'drop', type_index: 1, fulfillment_attempt: 0 },
    { type: 'drop', type_index: 1, fulfillment_attempt: 1 },
    { type: 'drop', type_index: 12, fulfillment_attempt: 0 },
    { type: 'pick', type_index: 0, fulfillment_attempt: 0 },
  ];

  test('type alone is ambiguous: names type_index with the indexes on record', async () => {
    const handle = await seedParts('index-ambiguous', parts);
    const error: unknown = await complete(handle, { type: 'drop' }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmbiguousOrder);
    expect(Object.keys((error as AmbiguousOrder).missing)).toEqual(['type_index']);
    expect((error as AmbiguousOrder).missing.type_index?.[0]).toMatch(/0, 1, 12/);
  });

  test('no selector: names both type and type_index', async () => {
    const handle = await seedParts('index-both', parts);
    const error: unknown = await complete(handle, {}).result.catch((caught: unknown) => caught);
    expect(Object.keys((error as AmbiguousOrder).missing).sort()).toEqual(['type', 'type_index']);
  });

  test('type + type_index narrows to that part, and its latest attempt', async () => {
    const handle = await seedParts('index-narrow', parts);
    const { order } = await complete(handle, { type: 'drop', type_index: 1 }).result;
    expect([order.type, order.type_index, order.fulfillment_attempt]).toEqual(['drop', 1, 1]);
    expect(await statuses(handle)).toEqual({
      'drop/0/0': 'ongoing',
      'drop/1/0': 'ongoing',
      'drop/1/1': 'completed',
      'drop/12/0': 'ongoing',
      'pick/0/0': 'ongoing',
    });
  });

  test('type_index 1 without type is unique (only drop has it): completes drop/1, latest attempt', async () => {
    const handle = await seedParts('index-no-type', parts);
    const { order } = await complete(handle, { type_index: 1 }).result;
    expect([order.type, order.type_index, order.fulfillment_attempt]).toEqual(['drop', 1, 1]);
  });

  test('type_index 1 does not match the prefix of type_index 12 (fixed-width sort keys)', async () => {
    const handle = await seedParts('index-prefix', [
      { type: 'drop', type_index: 1, fulfillment_attempt: 0 },
      { type: 'drop', type_index: 12, fulfillment_attempt: 5 },
    ]);
    const { order } = await complete(handle, { type: 'drop', type_index: 1 }).result;
    expect([order.type_index, order.fulfillment_attempt]).toEqual([1, 0]);
    expect(await statuses(handle)).toEqual({ 'drop/1/0': 'completed', 'drop/12/5': 'ongoing' });
  });

  test('exact selector of the largest indexes', async () => {
    const max = 2_147_483_647;
    const handle = await seedParts('index-max', [
      { type: 'pick', type_index: max, fulfillment_attempt: max },
      { type: 'pick', type_index: max, fulfillment_attempt: max - 1 },
    ]);
    const { order } = await complete(handle, { type: 'pick', type_index: max }).result;
    expect(order.fulfillment_attempt).toBe(max);
  });
});

describe('a handle whose records do not fit one Query page', () => {
  /**
   * ~300 KB of position fixes: three such items fill DynamoDB's 1 MB Query page. Each fix carries a
   * long string so the bytes come from fewer list elements (DynamoDB Local is slow per element).
   */
  const bigPolyline = (seed: number): NonNullable<AccountOrder['polyline']> => ({
    type: 'LineString',
    coordinates: Array.from({ length: 1_500 }, (_, i) => [
      -121.8 - i / 1e6 - seed / 1e3,
      37.3 + i / 1e6,
      24.5,
      `${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()}${'~'.repeat(176)}`,
    ]),
  });

  test('the latest attempt is still found (and completed) on the last page', async () => {
    const handle = uniqueHandle('paginated');
    const count = 6;
    const orders = Array.from({ length: count }, (_, attempt) =>
      anOrder({
        order_handle: handle,
        type: 'drop',
        type_index: 0,
        fulfillment_attempt: attempt,
        status: 'ongoing',
        polyline: bigPolyline(attempt),
      }),
    );
    // In the one-item layout (tracks inline, as stored before they moved apart), so the records fill several pages.
    for (const order of orders) {
      await dynamo.client.send(new PutCommand({ TableName: tableName(), Item: toItem(order) }));
    }

    // Precondition: the same Query the store makes (projection and all) really needs several pages.
    const firstPage = await dynamo.client.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND sk < :records_end',
        ExpressionAttributeValues: { ':pk': partitionKey(ACCOUNT, handle), ':records_end': ORDER_RECORDS_END },
        ExpressionAttributeNames: { '#type': 'type', '#apart': 'track_apart' },
        ProjectionExpression: '#type, type_index, fulfillment_attempt, route_handle, #apart',
        ConsistentRead: true,
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    expect(firstPage.Items?.length ?? 0).toBeLessThan(count);

    // Both query shapes of the store (whole partition, and a begins_with prefix) follow every page.
    for (const selector of [{}, { type: 'drop' as const }]) {
      const records = await dynamo.store.findRecords(ACCOUNT, handle, selector);
      expect(records.map((record) => record.fulfillment_attempt)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    // type and type_index fixed: only the latest attempt can be chosen, and only it is read (newest first, Limit 1).
    const latest = await dynamo.store.findRecords(ACCOUNT, handle, { type: 'drop', type_index: 0 });
    expect(latest.map((record) => record.fulfillment_attempt)).toEqual([5]);

    const { deps, publisher } = makeDeps(dynamo.store);
    const { order } = await completeOrder(deps, { account_id: ACCOUNT, order_handle: handle, selector: {} });

    expect(order.fulfillment_attempt).toBe(count - 1);
    const stored = await statuses(handle);
    expect(stored).toEqual({
      'drop/0/0': 'ongoing',
      'drop/0/1': 'ongoing',
      'drop/0/2': 'ongoing',
      'drop/0/3': 'ongoing',
      'drop/0/4': 'ongoing',
      'drop/0/5': 'completed',
    });
    // The completed item's polyline survived the write intact.
    const completed = await mustGetItem(dynamo.client, {
      account_id: ACCOUNT,
      order_handle: handle,
      type: 'drop',
      type_index: 0,
      fulfillment_attempt: count - 1,
    });
    expect(completed.polyline).toEqual(bigPolyline(count - 1));
    expect(publisher.published).toHaveLength(1);
  }, 120_000);
});
