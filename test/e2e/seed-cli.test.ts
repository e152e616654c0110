import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountOrder } from '../../domain/order';
import { LOCAL, createClient, dynamodbEndpoint, getRaw, makeOrder, tableName, uniqueHandle, type RecordId } from './support/e2e';

const root = resolve(__dirname, '..', '..');
const tmpDir = resolve(root, '.local', 'e2e', `seed-cli-${process.pid}`);
let client: DynamoDBDocumentClient;

beforeAll(() => {
  client = createClient();
  mkdirSync(tmpDir, { recursive: true });
});
afterAll(() => {
  client.destroy();
  rmSync(tmpDir, { recursive: true, force: true });
});

const runSeed = (records: readonly unknown[], name: string): Promise<{ code: number | null; output: string }> => {
  const file = resolve(tmpDir, name);
  writeFileSync(file, JSON.stringify(records, null, 2));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'seed.ts'), file], {
      cwd: root,
      env: { ...process.env, DYNAMODB_ENDPOINT: dynamodbEndpoint(), ORDERS_TABLE_NAME: tableName() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`seed did not finish in 30 s:\n${output}`));
    }, 30_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
};

const id = (order: AccountOrder): RecordId => ({
  account_id: order.account_id,
  order_handle: order.order_handle,
  type: order.type,
  type_index: order.type_index,
  fulfillment_attempt: order.fulfillment_attempt,
});

describe('npm run seed (scripts/seed.ts)', () => {
  test('a valid file: exit 0 and every record is in the table', async () => {
    const orders = [makeOrder({ order_handle: uniqueHandle('seed-ok') }), makeOrder({ order_handle: uniqueHandle('seed-ok'), type: 'pick', status: 'assigned' })];
    const { code, output } = await runSeed(orders, 'valid.json');
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('upserted 2 order record(s)') });
    for (const order of orders) {
      const raw = await getRaw(client, id(order));
      expect(raw?.status).toBe(order.status);
      expect(raw?.account_id).toBe(LOCAL);
    }
  });

  test('one invalid record among valid ones: non-zero exit naming it, and nothing of the file is written', async () => {
    const good1 = makeOrder({ order_handle: uniqueHandle('seed-good') });
    const badHandle = uniqueHandle('seed-bad');
    const bad = { ...makeOrder({ order_handle: badHandle }), status: 'teleported' };
    const good2 = makeOrder({ order_handle: uniqueHandle('seed-good') });
    const { code, output } = await runSeed([good1, bad, good2], 'one-invalid.json');
    expect(code).not.toBe(0);
    expect(output).toContain('record 1');
    expect(output).toContain(badHandle);
    expect(output).toContain('status');
    expect(await getRaw(client, id(good1))).toBeUndefined();
    expect(await getRaw(client, id(good2))).toBeUndefined();
    expect(await getRaw(client, id(makeOrder({ order_handle: badHandle })))).toBeUndefined();
  });
});
