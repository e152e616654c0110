import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { completeOrder, describeAnswer } from '../../examples/complete-order';
import { baseUrl, client, makeOrder, seedOrders, uniqueHandle } from './support/e2e';

/**
 * The README's TypeScript example (examples/complete-order.ts, openapi-fetch with the generated types) against the
 * running `npm start` stack: as a module, and run the way the README says (`npx tsx examples/complete-order.ts`).
 */
const root = resolve(__dirname, '..', '..');
const AUTH = 'local-account:local-secret';

const runExample = (handle: string) =>
  spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'examples', 'complete-order.ts'), handle],
    { cwd: root, encoding: 'utf8', env: { ...process.env, BASE_URL: baseUrl() } },
  );

describe('examples/complete-order.ts against the local stack', () => {
  test('200: the completed order, typed as the Order', async () => {
    const handle = uniqueHandle('example-200');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const answer = await completeOrder(baseUrl(), AUTH, handle);
    if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${JSON.stringify(answer.body)}`);
    expect(answer.body.status).toBe('completed');
    expect(describeAnswer(answer)).toBe(`completed at ${answer.body.completed_at}`);
    expect(answer.body.completed_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  });

  test('409 and 422: told apart by status, with their typed bodies', async () => {
    const cancelled = uniqueHandle('example-409');
    const ambiguous = uniqueHandle('example-422');
    await seedOrders(client, [
      makeOrder({ order_handle: cancelled, status: 'cancelled' }),
      makeOrder({ order_handle: ambiguous, type: 'pick' }),
      makeOrder({ order_handle: ambiguous, type: 'drop' }),
    ]);
    const conflict = await completeOrder(baseUrl(), AUTH, cancelled);
    if (conflict.status !== 409) throw new Error(`expected 409, got ${conflict.status}`);
    expect(conflict.body.detail).toEqual({ status: 'cancelled' });
    expect(describeAnswer(conflict)).toBe('cannot complete: {"status":"cancelled"}');

    const invalid = await completeOrder(baseUrl(), AUTH, ambiguous);
    if (invalid.status !== 422) throw new Error(`expected 422, got ${invalid.status}`);
    expect(invalid.body.detail.query?.type).toEqual(['required: this order has drop and pick parts; say which one']);
  });

  test('401 and 404 fall to the default branch with their message', async () => {
    const unknown = await completeOrder(baseUrl(), AUTH, uniqueHandle('example-404'));
    expect(describeAnswer(unknown)).toBe('404: Order not found');
    expect(describeAnswer(await completeOrder(baseUrl(), 'local-account:wrong', 'order-1'))).toBe(
      '401: Authentication error',
    );
  });

  test('run as the README says, it prints the status and what it means', async () => {
    const handle = uniqueHandle('example-cli');
    await seedOrders(client, [makeOrder({ order_handle: handle, status: 'cancelled' })]);
    const run = runExample(handle);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('409 cannot complete: {"status":"cancelled"}\n');
    expect(run.status).toBe(0);
  });
});
