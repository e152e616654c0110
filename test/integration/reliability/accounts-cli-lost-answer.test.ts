import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, SDK_BUDGET } from '../../../adapters/aws-clients';
import { AccountsTable } from '../../../adapters/credentials/accounts-table';
import { verifySecret } from '../../../domain/credentials';
import { FaultyDynamoDbProxy } from '../../../scripts/local/fakes/aws-endpoints';
import { ensureAccountsTable } from '../../../scripts/local/accounts';
import { localClient } from '../../../scripts/local/dynamodb-local';
import { stageAccountsTableName } from '../../../scripts/local/settings';
import { accountsCli, type CliRun } from '../../support/accounts-cli';
import { endpoint } from '../support/dynamo';

/**
 * `npm run accounts` (the real CLI, a child process) through a proxy in front of DynamoDB Local that applies a
 * write at once but answers it after the CLI's per-attempt budget: the SDK retries, and the retry fails its own
 * write's condition. The CLI must know its write is there: success, with the secret printed (issue 22).
 */
const REGION = 'us-east-1';
const stage = `lost-${randomBytes(3).toString('hex')}`;
const name = stageAccountsTableName(stage);
const admin = localClient(endpoint(), REGION);
const client = createDocumentClient({ region: REGION, endpoint: endpoint() });
const table = new AccountsTable(client, name);
let proxy: FaultyDynamoDbProxy;

beforeAll(async () => {
  await ensureAccountsTable(admin, name);
  proxy = await new FaultyDynamoDbProxy(endpoint()).start();
  proxy.lateMs = SDK_BUDGET.requestTimeoutMs + 500; // 2.5 s: past the 2 s an attempt may take
});
afterEach(() => {
  proxy.calls.length = 0;
  for (const operation of Object.keys(proxy.faults)) delete proxy.faults[operation];
  for (const operation of Object.keys(proxy.faultsOnce)) delete proxy.faultsOnce[operation];
});
afterAll(async () => {
  await proxy.stop();
  client.destroy();
  await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  admin.destroy();
});

const cli = (...args: string[]) => accountsCli([...args, '--stage', stage], proxy.endpoint);
const attempts = (operation: string) => proxy.calls.filter((call) => call.target.endsWith(`.${operation}`)).length;
const issuedBy = (run: CliRun) => {
  expect({ code: run.code, stderr: run.stderr.replace(/^runtime-node:.*\n/m, '') }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as { account_id: string; secret_id: string; secret: string };
};
const newId = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

describe('a CLI write applied but answered late (the retry fails its own condition) is success', () => {
  test('create: the secret is printed, and it is the one stored (not "exists already")', async () => {
    const id = newId('late-create');
    proxy.faultsOnce.PutItem = 'forward-then-answer-late';
    const run = await cli('create', id);
    process.stdout.write(`create answered late: ${run.ms} ms, ${attempts('PutItem')} PutItem attempts\n`);
    expect(attempts('PutItem')).toBeGreaterThanOrEqual(2); // the late one, then its refused retry
    const issued = issuedBy(run);
    expect(verifySecret(issued.secret, await table.get(id), new Date())).toBe(true);
  }, 60_000);

  test('rotate: the new secret is printed and stored; revoke and delete: done, not "changed meanwhile"', async () => {
    const id = newId('late-rotate');
    const first = await table.create(id);

    proxy.faultsOnce.PutItem = 'forward-then-answer-late';
    const rotated = issuedBy(await cli('rotate', id));
    expect(attempts('PutItem')).toBeGreaterThanOrEqual(2);
    const stored = await table.get(id);
    expect(stored?.secrets.map((secret) => secret.secret_id)).toEqual([first.secret_id, rotated.secret_id]);
    expect(verifySecret(rotated.secret, stored, new Date())).toBe(true);

    proxy.faultsOnce.PutItem = 'forward-then-answer-late';
    const revoked = await cli('revoke', id, first.secret_id);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: first.secret_id, account_id: id });
    expect((await table.get(id))?.secrets.map((secret) => secret.secret_id)).toEqual([rotated.secret_id]);

    proxy.faultsOnce.DeleteItem = 'forward-then-answer-late';
    const deleted = await cli('delete', id);
    expect({ code: deleted.code, stdout: deleted.stdout }).toEqual({ code: 0, stdout: `{"deleted":"${id}"}\n` });
    expect(attempts('DeleteItem')).toBeGreaterThanOrEqual(2);
    expect(await table.get(id)).toBeUndefined();
  }, 90_000);

  test('no attempt answered at all: the CLI reads its write back and reports success', async () => {
    const id = newId('late-all');
    proxy.faults.PutItem = 'forward-then-hang';
    const issued = issuedBy(await cli('create', id));
    expect(attempts('PutItem')).toBe(SDK_BUDGET.maxAttempts);
    expect(verifySecret(issued.secret, await table.get(id), new Date())).toBe(true);
  }, 60_000);

  test('a real refusal is still one: another operator created the account first', async () => {
    const id = newId('taken');
    await table.create(id);
    proxy.faultsOnce.PutItem = 'forward-then-answer-late';
    const run = await cli('create', id);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`account ${id} exists already`);
  }, 60_000);
});
