import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runWithReaderGone } from '../support/reader-gone';
import { client, dynamodbEndpoint, getRaw, makeOrder, recordOf, tableName, uniqueHandle } from './support/e2e';

/**
 * The CLIs that talk to the local stack, in a pipe whose reader goes away (`npm run relay -- --status | head -1`):
 * they do their work, then exit with status 0 and say nothing (scripts/cli/quiet-pipe.ts). capacity and events:
 * test/scripts/cli-pipes.test.ts.
 */
const root = resolve(__dirname, '..', '..');
const tmpDir = resolve(root, '.local', 'e2e', `cli-pipes-${process.pid}`);
const stackEnv = () => ({ DYNAMODB_ENDPOINT: dynamodbEndpoint(), ORDERS_TABLE_NAME: tableName() });

beforeAll(() => {
  mkdirSync(tmpDir, { recursive: true });
});
afterAll(() => rmSync(tmpDir, { recursive: true, force: true }));

describe('a CLI whose reader goes away exits quietly with status 0', () => {
  test('relay --status', async () => {
    expect(await runWithReaderGone('relay.ts', ['--status'], stackEnv())).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
  }, 60_000);

  test('accounts list', async () => {
    expect(await runWithReaderGone('accounts.ts', ['list'], stackEnv())).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
  }, 60_000);

  test('seed FILE: the orders are written all the same', async () => {
    const handle = uniqueHandle('seed-pipe');
    const file = resolve(tmpDir, 'orders.json');
    writeFileSync(file, JSON.stringify([makeOrder({ order_handle: handle })]));
    expect(await runWithReaderGone('seed.ts', [file], stackEnv())).toEqual({ code: 0, signal: null, stderr: '' });
    expect((await getRaw(client, recordOf(handle)))?.status).toBe('ongoing');
  }, 60_000);
});
