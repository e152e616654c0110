import { afterEach, expect, test } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbOrderStore } from '../../../../adapters/dynamodb/order-store';
import { readPartition, RECORDS_PAGE_ROOM } from '../../../../adapters/dynamodb/partition-read';
import { READ_PAGE_CHUNKS } from '../../../../adapters/dynamodb/track-chunks';
import { completionWriteOf } from '../../support/completion-write';

/**
 * A plain POST's one Query over the handle's partition (adapters/dynamodb/partition-read.ts): records first, then
 * chunks; later pages are read only when a track is asked for, once, and shared.
 */
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
afterEach(() => {
  dynamo.reset();
});

const PICK = 'pick#0000000000#0000000000';
const DROP = 'drop#0000000000#0000000000';
const record = (sk: string, apart: boolean) => ({
  sk,
  type: sk.split('#')[0],
  type_index: 0,
  fulfillment_attempt: 0,
  ...(apart ? { track_apart: true } : {}),
});
const chunk = (recordSk: string, n: number, fixes: unknown[]) => ({
  sk: `~track#${recordSk}#${String(n).padStart(6, '0')}`,
  fixes,
});

test('one Query for records and chunks; the rest of the partition only when a track is read, once', async () => {
  dynamo
    .on(QueryCommand)
    .resolvesOnce({
      Items: [record(DROP, true), record(PICK, true), chunk(DROP, 0, [[1], [2]])],
      LastEvaluatedKey: { pk: 'p', sk: 'x' },
    })
    .resolvesOnce({ Items: [chunk(DROP, 1, [[3]]), chunk(PICK, 0, [[9]])], LastEvaluatedKey: { pk: 'p', sk: 'y' } })
    .resolvesOnce({ Items: [chunk(PICK, 1, [[10]])] });
  const partition = await readPartition(documentClient, 'orders-unit', 'acct-1', 'order-1');
  expect(partition.records.map((item) => item.sk)).toEqual([DROP, PICK]);
  expect(dynamo.commandCalls(QueryCommand)).toHaveLength(1);
  const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
  expect(input).toMatchObject({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': 'acct-1#order-1' },
    ConsistentRead: true,
    Limit: READ_PAGE_CHUNKS + RECORDS_PAGE_ROOM,
  });

  const [drop, pick] = await Promise.all([partition.trackOf(DROP), partition.trackOf(PICK)]);
  expect(drop).toEqual([[1], [2], [3]]);
  expect(pick).toEqual([[9], [10]]);
  expect(dynamo.commandCalls(QueryCommand)).toHaveLength(3);
});

test('pages holding records only are followed until a chunk or the end (every record is seen first)', async () => {
  dynamo
    .on(QueryCommand)
    .resolvesOnce({ Items: [record(DROP, false)], LastEvaluatedKey: { pk: 'p', sk: 'x' } })
    .resolvesOnce({ Items: [record(PICK, false)] });
  const partition = await readPartition(documentClient, 'orders-unit', 'acct-1', 'order-1');
  expect(partition.records.map((item) => item.sk)).toEqual([DROP, PICK]);
  expect(await partition.trackOf(PICK)).toEqual([]);
  expect(dynamo.commandCalls(QueryCommand)).toHaveLength(2);
});

test('the store reads the rest of a long track alongside the completing write, not before it', async () => {
  const store = new DynamoDbOrderStore(documentClient, 'orders-unit');
  const order: string[] = [];
  dynamo
    .on(QueryCommand)
    .callsFakeOnce(() => {
      order.push('query 1');
      return { Items: [record(DROP, true), chunk(DROP, 0, [[1]])], LastEvaluatedKey: { pk: 'p', sk: 'x' } };
    })
    .callsFakeOnce(async () => {
      order.push('query 2 starts');
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('query 2 ends');
      return { Items: [chunk(DROP, 1, [[2]])] };
    });
  dynamo.on(UpdateCommand).callsFake(async () => {
    order.push('write starts');
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.push('write ends');
    return { Attributes: { status: 'completed', track_apart: true, timeline: [] } };
  });
  const [ref] = await store.findRecords('acct-1', 'order-1', {});
  expect(ref?.track).toBeDefined();
  const key = {
    account_id: 'acct-1',
    order_handle: 'order-1',
    type: 'drop' as const,
    type_index: 0,
    fulfillment_attempt: 0,
  };
  const pending = { event_id: '0'.repeat(32), since: '2025-03-01T12:00:00.000Z', lease_until: 1 };
  const result = await store.complete({
    ...completionWriteOf(key, pending),
    ...(ref?.track === undefined ? {} : { track: ref.track }),
  });
  expect(result).toEqual({
    outcome: 'completed',
    order: { status: 'completed', timeline: [], polyline: { type: 'LineString', coordinates: [[1], [2]] } },
  });
  // The second page was asked for before the write answered.
  expect(order.indexOf('query 2 starts')).toBeLessThan(order.indexOf('write ends'));
  expect(dynamo.commandCalls(QueryCommand)).toHaveLength(2);
});
