import { describe, expect, test } from '@jest/globals';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPortsFree } from '../../scripts/local/ports';
import { descendantsOf, startLocalStack, stillRunning, type StartVia } from './support/local-stack';

/**
 * `npm start` under a process manager or an IDE: they signal the one process they started (npm), not the terminal's
 * whole process group as Ctrl-C does. SIGTERM or SIGINT to that process alone must stop everything the stack runs
 * (the start script's node, serverless offline and its esbuild, DynamoDB Local's java) and free every port.
 * (SIGINT to the start script's own node is what global-teardown does to the shared e2e stack.)
 */
const root = resolve(__dirname, '..', '..');

const stopsEverything = async (signal: NodeJS.Signals, via: StartVia, localDir: string): Promise<void> => {
  const stack = await startLocalStack(localDir, {}, via);
  const top = stack.child.pid as number;
  const tree = descendantsOf(top);
  // npm -> node (start.ts) -> { java, node (serverless offline) -> esbuild, ... }: the stack really is below it.
  expect(tree.length).toBeGreaterThanOrEqual(3);

  const exited = new Promise<number | null>((done) => stack.child.once('exit', (code) => done(code)));
  const started = Date.now();
  process.kill(top, signal); // this process only, not its group
  let timer: NodeJS.Timeout | undefined;
  const exitCode = await Promise.race([
    exited,
    new Promise<'timeout'>((done) => (timer = setTimeout(done, 30_000, 'timeout'))),
  ]);
  clearTimeout(timer);
  stack.child.stdout?.destroy();
  stack.child.stderr?.destroy();

  // The children were stopped before the top process exited; allow a moment for the kernel to reap them.
  let left = stillRunning(tree);
  for (let waited = 0; left.length > 0 && waited < 5_000; waited += 250) {
    await sleep(250);
    left = stillRunning(tree);
  }
  process.stdout.write(
    `npm start (${via}) after ${signal} to pid ${top} only: exit ${String(exitCode)} in ${Date.now() - started} ms; ` +
      `${tree.length} processes below it, ${left.length} left\n`,
  );
  for (const pid of left) process.kill(pid, 'SIGKILL'); // leave nothing behind for the next test, even on failure
  if (exitCode === 'timeout') stack.child.kill('SIGKILL');
  expect(exitCode).not.toBe('timeout');
  expect(left).toEqual([]);
  const ports = Object.entries(stack.ports).map(([variable, port]) => ({ port, what: variable, variable }));
  await expect(assertPortsFree(ports)).resolves.toBeUndefined();
};

describe('npm start stops everything when only its own process is signalled', () => {
  test('SIGTERM to the npm process', async () => {
    await stopsEverything('SIGTERM', 'npm', join(root, '.local', 'e2e-sigterm'));
  }, 180_000);

  test('SIGINT to the npm process', async () => {
    await stopsEverything('SIGINT', 'npm', join(root, '.local', 'e2e-sigint'));
  }, 180_000);
});
