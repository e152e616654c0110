import { afterEach, describe, expect, jest, test } from '@jest/globals';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbOrderStore } from '../../../../adapters/dynamodb/order-store';
import { DynamoDbOrderSeeder } from '../../../../adapters/dynamodb/seeder';
import type { PendingEvent } from '../../../../domain/ports';
import { DependencyUnavailable } from '../../../../domain/errors';
import type { AccountOrder } from '../../../../domain/order';
import type { OrderKey } from '../../../../domain/order-fields';
import type { CompletionWrite } from '../../../../domain/ports';
import { completionWriteOf } from '../../support/completion-write';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoDbOrderStore(documentClient, 'orders-unit');
const seeder = new DynamoDbOrderSeeder(documentClient, 'orders-unit');

afterEach(() => {
  dynamo.reset();
  jest.useRealTimers();
});

const key: OrderKey = {
  account_id: 'acct-1',
  order_handle: 'order-1',
  type: 'drop',
  type_index: 3,
  fulfillment_attempt: 1,
};
const pending: PendingEvent = {
  event_id: '0123456789abcdef0123456789abcdef',
  since: '2025-03-01T12:00:00.000Z',
  lease_until: 1_740_830_410_000,
};
const write: CompletionWrite = completionWriteOf(key, pending);

const storedItem = {
  pk: 'acct-1#order-1',
  sk: 'drop#0000000003#0000000001',
  account_id: 'acct-1',
  order_handle: 'order-1',
  type: 'drop',
  type_index: 3,
  fulfillment_attempt: 1,
  status: 'cancelled',
  route_handle: null,
  metadata: { ref: 'R-1', count: 2, nested: { ok: true } },
  timeline: [{ type: 'order_created', recorded_at: '2025-02-28T08:00:00.000Z' }],
};

const conditionFailed = (item?: Record<string, unknown>): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item === undefined ? {} : { Item: marshall(item, { removeUndefinedValues: true }) }),
  });

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

const outages: [string, () => Error][] = [
  [
    'ProvisionedThroughputExceededException',
    () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
  ],
  ['InternalServerError (server fault)', () => new InternalServerError({ message: 'oops', $metadata: {} })],
  ['ECONNREFUSED', () => Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
  [
    'ECONNRESET nested as a cause',
    () => new Error('request failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }),
  ],
  ['RequestLimitExceeded', () => Object.assign(new Error('account limit'), { name: 'RequestLimitExceeded' })],
  // The item is held by the relay's batched TransactWriteItems at that moment: try again, never a 500.
  [
    'TransactionConflictException',
    () => new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: {} }),
  ],
];

describe('DynamoDbOrderStore.complete: condition refusals', () => {
  test('ConditionalCheckFailedException with Item -> unchanged, with the order unmarshalled', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed(storedItem));
    const result = await store.complete(write);
    expect(result).toEqual({ outcome: 'unchanged', order: storedItem });
  });

  test('the stored pending_event comes back with a numeric lease', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed({ ...storedItem, status: 'completed', pending_event: pending }));
    const result = await store.complete(write);
    expect(result.outcome).toBe('unchanged');
    if (result.outcome !== 'unchanged') throw new Error('unreachable');
    expect(result.order.pending_event).toEqual(pending);
    expect(typeof result.order.pending_event?.lease_until).toBe('number');
  });

  test('the write asks DynamoDB for the old item on refusal and only allows completable statuses', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed(storedItem));
    await store.complete(write);
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(input?.Key).toEqual({ pk: 'acct-1#order-1', sk: 'drop#0000000003#0000000001' });
    expect(input?.ConditionExpression).toContain('attribute_exists(pk)');
    const allowed = Object.entries((input?.ExpressionAttributeValues ?? {}) as Record<string, unknown>)
      .filter(([name]) => name.startsWith(':completable'))
      .map(([, value]) => value);
    expect([...allowed].sort()).toEqual(['assigned', 'dispatched', 'ongoing', 'planned', 'unplanned']);
  });

  test('ConditionalCheckFailedException without Item -> missing', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.complete(write)).resolves.toEqual({ outcome: 'missing' });
  });
});

describe('DynamoDbOrderStore: outages become DependencyUnavailable("dynamodb")', () => {
  test.each(outages)('complete: %s', async (_label, makeError) => {
    const sdkError = makeError();
    dynamo.on(UpdateCommand).rejects(sdkError);
    const error = await rejection(store.complete(write));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect((error as DependencyUnavailable).dependency).toBe('dynamodb');
    expect((error as DependencyUnavailable).cause).toBe(sdkError);
  });

  test.each(outages)('findRecords: %s', async (_label, makeError) => {
    dynamo.on(QueryCommand).rejects(makeError());
    const error = await rejection(store.findRecords('acct-1', 'order-1', {}));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect((error as DependencyUnavailable).dependency).toBe('dynamodb');
  });

  test('a failure on a later page of the lookup also surfaces as DependencyUnavailable', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ type: 'drop', type_index: 0, fulfillment_attempt: 0 }],
        LastEvaluatedKey: { pk: 'a', sk: 'b' },
      })
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(store.findRecords('acct-1', 'order-1', {})).rejects.toBeInstanceOf(DependencyUnavailable);
  });

  test.each(outages)('clearPendingEvent: %s', async (_label, makeError) => {
    dynamo.on(UpdateCommand).rejects(makeError());
    await expect(store.clearPendingEvent(key, pending.event_id)).rejects.toBeInstanceOf(DependencyUnavailable);
  });

  test('claimPendingEvent and releasePendingEvent: throttling', async () => {
    dynamo
      .on(UpdateCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(store.claimPendingEvent(key, pending.event_id, 0, 1)).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(store.releasePendingEvent(key, pending.event_id, 1)).rejects.toBeInstanceOf(DependencyUnavailable);
  });

  test('a non-transient client error (a bug) is rethrown unchanged', async () => {
    const invalid = Object.assign(new Error('Invalid UpdateExpression'), {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    dynamo.on(UpdateCommand).rejects(invalid);
    await expect(store.complete(write)).rejects.toBe(invalid);
  });

  test('putOrders gives up with DependencyUnavailable when items stay unprocessed', async () => {
    jest.useFakeTimers();
    const order: AccountOrder = {
      account_id: 'acct-1',
      order_handle: 'order-1',
      type: 'pick',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'planned',
    };
    dynamo.on(QueryCommand).resolves({ Items: [] }); // no chunks of an earlier track to delete
    dynamo.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const outcome = expect(seeder.putOrders([order])).rejects.toBeInstanceOf(DependencyUnavailable);
    await jest.advanceTimersByTimeAsync(60_000);
    await outcome;
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(9);
  });
});

describe('DynamoDbOrderStore: pending-event conditions', () => {
  test('claimPendingEvent -> false when the condition fails (someone else holds the lease)', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.claimPendingEvent(key, pending.event_id, 5, 10)).resolves.toBe(false);
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':event_id': pending.event_id,
      ':expired': 5,
      ':lease_until': 10,
    });
  });

  test('releasePendingEvent and clearPendingEvent are no-ops when the marker is gone', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.releasePendingEvent(key, pending.event_id, 1)).resolves.toBeUndefined();
    await expect(store.clearPendingEvent(key, pending.event_id)).resolves.toBeUndefined();
  });
});
