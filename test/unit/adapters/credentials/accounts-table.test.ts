import { afterEach, describe, expect, test } from '@jest/globals';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { toAccountItem } from '../../../../adapters/credentials/account-item';
import { AccountsTable } from '../../../../adapters/credentials/accounts-table';
import { AccountProblem, newAccount } from '../../../../domain/accounts';
import { DependencyUnavailable } from '../../../../domain/errors';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(documentClient);
afterEach(() => {
  ddb.reset();
});

const NOW = new Date('2026-12-05T08:00:00.000Z');
const table = new AccountsTable(documentClient, 'accounts-unit', () => NOW);
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

describe('AccountsTable (operators): every change is conditional', () => {
  test('create writes only where no item exists; an existing id is refused, not overwritten', async () => {
    ddb.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const issued = await table.create('acme');
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(account_id)');
    expect(JSON.stringify(put?.Item)).not.toContain(issued.secret);
    const refused = await rejection(table.create('acme'));
    expect(refused).toBeInstanceOf(AccountProblem);
    expect((refused as AccountProblem).code).toBe('account_exists');
  });

  test('rotate reads consistently and writes only on the revision it read; a concurrent change is reported', async () => {
    const { account } = newAccount('acme', NOW);
    ddb.on(GetCommand).resolves({ Item: toAccountItem(account) });
    ddb.on(PutCommand).rejects(conditionFailed());
    const refused = await rejection(table.rotate('acme'));
    expect((refused as AccountProblem).code).toBe('concurrent_change');
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      ConditionExpression: 'revision = :revision',
      ExpressionAttributeValues: { ':revision': account.revision },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      Item: { version: 2, revision: expect.any(String) },
    });
    // A new random revision every write: never the one read, never one an earlier lifetime of the id had.
    expect(put?.Item?.revision).not.toBe(account.revision);
  });

  test('an item written before revisions existed: matched on no revision + version + created_at; the write adds one', async () => {
    const { account } = newAccount('acme', NOW);
    const legacy = toAccountItem({ ...account, revision: undefined });
    expect(legacy).not.toHaveProperty('revision');
    ddb.on(GetCommand).resolves({ Item: legacy });
    ddb.on(PutCommand).resolves({});
    await table.rotate('acme');
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(revision) AND version = :version AND created_at = :created',
      ExpressionAttributeValues: { ':version': 1, ':created': account.created_at },
      Item: { version: 2, revision: expect.any(String) },
    });
  });

  test('a refused write that returns this very write (its earlier attempt applied, answer lost) is success', async () => {
    const { account } = newAccount('acme', NOW);
    ddb.on(GetCommand).resolves({ Item: toAccountItem(account) });
    // The refused retry returns the item as it is: the one this rotate's first attempt wrote.
    ddb.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(input.Item),
      });
    });
    const issued = await table.rotate('acme');
    expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // ...but another write's item is a refusal.
    ddb.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(toAccountItem(newAccount('acme', NOW).account)),
      }),
    );
    expect(((await rejection(table.rotate('acme'))) as AccountProblem).code).toBe('concurrent_change');
    expect(((await rejection(table.create('acme'))) as AccountProblem).code).toBe('account_exists');
  });

  test('a write nobody answered is read back: there -> success; not there -> the table is unreachable', async () => {
    const { account } = newAccount('acme', NOW);
    let written: Record<string, unknown> | undefined;
    ddb.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      written = input.Item;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    ddb.on(GetCommand).callsFake(() => ({ Item: written }));
    expect((await table.create('acme')).account_id).toBe('acme');
    ddb.on(GetCommand).resolves({ Item: toAccountItem(account) });
    expect(await rejection(table.create('acme'))).toBeInstanceOf(DependencyUnavailable);
  });

  test('revoke of an unknown account: unknown_account, nothing written', async () => {
    ddb.on(GetCommand).resolves({});
    const refused = await rejection(table.revoke('nobody', 'sk_0000000000000001'));
    expect((refused as AccountProblem).code).toBe('unknown_account');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  test('DynamoDB throttled or unreachable: DependencyUnavailable (the CLI says the table is unreachable)', async () => {
    ddb.on(GetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    expect(await rejection(table.get('acme'))).toBeInstanceOf(DependencyUnavailable);
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));
    expect(await rejection(table.create('acme'))).toBeInstanceOf(DependencyUnavailable);
  });

  test('putAll: 25 items a call, unprocessed items retried until written', async () => {
    const accounts = Array.from({ length: 30 }, (_, i) => newAccount(`bulk-${i}`, NOW).account);
    let first = true;
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const requests = input.RequestItems['accounts-unit'] ?? [];
      if (first && requests.length === 25) {
        first = false;
        return { UnprocessedItems: { 'accounts-unit': requests.slice(20) } };
      }
      return {};
    });
    await table.putAll(accounts, 1);
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.['accounts-unit']?.length);
    expect(sizes).toEqual([25, 5, 5]);
  });
});
