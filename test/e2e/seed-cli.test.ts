import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AccountOrder } from '../../domain/order';
import { freePort } from '../../scripts/local/fakes/free-port';
import {
  LOCAL,
  client,
  dynamodbEndpoint,
  getRaw,
  makeOrder,
  tableName,
  uniqueHandle,
  type RecordId,
} from './support/e2e';

const root = resolve(__dirname, '..', '..');
const tmpDir = resolve(root, '.local', 'e2e', `seed-cli-${process.pid}`);

beforeAll(() => {
  mkdirSync(tmpDir, { recursive: true });
});
afterAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
});

const runSeed = (
  records: readonly unknown[] | string,
  name: string,
  endpoint = dynamodbEndpoint(),
  args: readonly string[] = [],
): Promise<{ code: number | null; output: string }> => {
  const file = resolve(tmpDir, name);
  writeFileSync(file, typeof records === 'string' ? records : JSON.stringify(records, null, 2));
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'seed.ts'), file, ...args],
      {
        cwd: root,
        env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, ORDERS_TABLE_NAME: tableName() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
    const orders = [
      makeOrder({ order_handle: uniqueHandle('seed-ok') }),
      makeOrder({ order_handle: uniqueHandle('seed-ok'), type: 'pick', status: 'assigned' }),
    ];
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

  test('two records with the same identity: exit 1 naming both, nothing written', async () => {
    const first = makeOrder({ order_handle: uniqueHandle('seed-dup') });
    const other = makeOrder({ order_handle: uniqueHandle('seed-dup-other') });
    const { code, output } = await runSeed([first, other, { ...first, status: 'assigned' }], 'duplicate.json');
    expect(code).toBe(1);
    expect(output).toContain('record 2');
    expect(output).toContain('record 0');
    expect(await getRaw(client, id(first))).toBeUndefined();
    expect(await getRaw(client, id(other))).toBeUndefined();
  });

  test.each<[string, string, RegExp]>([
    ['not an array', JSON.stringify({ order_handle: 'x' }), /JSON array/],
    ['not JSON', '[{"order_handle":', /JSON/],
  ])('a file that is %s: exit 1 with one problem listed, no stack trace', async (_name, content, pattern) => {
    const { code, output } = await runSeed(content, 'broken.json');
    expect(code).toBe(1);
    expect(output).toMatch(pattern);
    expect(output).not.toMatch(/\n\s+at /);
  });

  // Regression: a refused connection surfaces as DependencyUnavailable; the CLI must still say what to do.
  test('no table reachable: exit 1, one line saying the local table cannot be reached (is npm start running?), no stack trace', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const { code, output } = await runSeed(
      [makeOrder({ order_handle: uniqueHandle('seed-nowhere') })],
      'nowhere.json',
      nowhere,
    );
    expect(code).toBe(1);
    expect(
      output
        .split('\n')
        .filter(
          (line) =>
            line.trim() !== '' &&
            !/NodeVersionSupportWarning|node >=22|upgrade to node|a\.co\/|trace-warnings|versions published|continue receiving|security updates/.test(
              line,
            ),
        ),
    ).toHaveLength(1);
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).toContain('is `npm start` running?');
  });

  test('--stage STAGE writes to that stage’s table (serverless.yml’s name), here through DYNAMODB_ENDPOINT', async () => {
    const order = makeOrder({ order_handle: uniqueHandle('seed-stage') });
    const { code, output } = await runSeed([order], 'stage.json', dynamodbEndpoint(), ['--stage', 'local']);
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(`upserted 1 order record(s) into ${tableName()}`),
    });
    expect((await getRaw(client, id(order)))?.status).toBe('ongoing');
  });

  test('--stage without a valid stage name: usage, exit 2, nothing written', async () => {
    const order = makeOrder({ order_handle: uniqueHandle('seed-stage-bad') });
    const { code, output } = await runSeed([order], 'stage-bad.json', dynamodbEndpoint(), ['--stage', '../x']);
    expect(code).toBe(2);
    expect(output).toContain('usage: npm run seed -- FILE.json [--stage STAGE]');
    expect(await getRaw(client, id(order))).toBeUndefined();
  });
});
