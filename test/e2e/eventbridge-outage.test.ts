import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDocumentClient } from '../../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../../adapters/dynamodb/seeder';
import { orderCompletedEventId } from '../../domain/order-completed-event';
import { FakeEventBridge, type Fault } from '../../scripts/local/fakes/aws-endpoints';
import { localAuth, makeOrder, recordOf, uniqueHandle, type JsonObject } from './support/e2e';
import { startLocalStack, stopLocalStack, type LocalStack } from './support/local-stack';

/**
 * An EventBridge outage seen by callers, on a second real `npm start` stack (its own DynamoDB Local, serverless
 * offline, the deployed handler with its module-scope circuit breaker) whose EventBridge endpoint is a local fake:
 * healthy (answering after 20 ms, an in-Region round trip), then hanging (accepts the connection, never answers),
 * then answering 500. Once the breaker is open the
 * requests answer as fast as healthy ones (p99 at most 1.5 times healthy p99), every one 200 with the completed order;
 * after recovery `npm run relay` delivers every event the request path left pending, and each event exactly once.
 */
const root = resolve(__dirname, '..', '..');
const TABLE = 'orders-complete-local-orders';
/** Requests measured in each phase (after the breaker opened, for the outage phases). */
const MEASURED = 200;
const WARMUP = 20;

const eventBridge = new FakeEventBridge();
let stack: LocalStack | undefined;
let seeder: DynamoDbOrderSeeder;
let client: ReturnType<typeof createDocumentClient>;

/** Healthy EventBridge answers after an in-Region round trip (the capacity model's 20 ms), not at once. */
const HEALTHY_PUT_EVENTS_MS = 20;

beforeAll(async () => {
  await eventBridge.start();
  eventBridge.latencyMs = HEALTHY_PUT_EVENTS_MS;
  stack = await startLocalStack(join(root, '.local', 'e2e-outage'), { EVENTBRIDGE_ENDPOINT: eventBridge.endpoint });
  client = createDocumentClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${stack.ports.DYNAMODB_PORT}` });
  seeder = new DynamoDbOrderSeeder(client, TABLE);
  await seedPool();
}, 300_000);
afterAll(async () => {
  client?.destroy();
  if (stack !== undefined) expect(await stopLocalStack(stack.child)).toBe(true);
  await eventBridge.stop();
}, 30_000);

interface Completion {
  handle: string;
  status: number;
  body: JsonObject;
  ms: number;
}

const completeAt = async (handle: string): Promise<Completion> => {
  const started = performance.now();
  const response = await fetch(`${stack!.baseUrl}/orders/${encodeURIComponent(handle)}/complete`, {
    method: 'POST',
    headers: { authorization: localAuth, 'content-type': 'application/json' },
    body: '{}',
  });
  const text = await response.text();
  const ms = performance.now() - started;
  return { handle, status: response.status, body: JSON.parse(text) as JsonObject, ms };
};

/**
 * Every order the test completes is seeded up front (beforeAll), so no seeding load falls into a measured phase;
 * a phase takes its handles from the pool. A batch the loaded machine's DynamoDB Local did not answer in time is sent
 * again (puts of the same orders: idempotent).
 */
const POOL_SIZE = WARMUP + MEASURED + 2 * (MEASURED + 40) + 2 * 300;
const pool: string[] = [];
const seedPool = async (): Promise<void> => {
  const handles = Array.from({ length: POOL_SIZE }, () => uniqueHandle('outage'));
  for (let start = 0; start < handles.length; start += 100) {
    const orders = handles.slice(start, start + 100).map((handle) => makeOrder({ order_handle: handle }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await seeder.putOrders(orders);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }
  pool.push(...handles);
};
const seed = async (_label: string, count: number): Promise<string[]> => {
  expect(pool.length).toBeGreaterThanOrEqual(count);
  return pool.splice(0, count);
};

/** The function's log lines (JSON, in the stack's log) that report a breaker state change to `to`. */
const transitions = (to: string): number =>
  readFileSync(stack!.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"message":"EventBridge circuit breaker ${to}"`)).length;

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
};
const figures = (completions: readonly Completion[]) => {
  const ms = completions.map((c) => c.ms);
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), n: ms.length };
};
const fmt = ({ p50, p99, n }: ReturnType<typeof figures>) =>
  `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (n=${n})`;

const all: Completion[] = [];
const sequentially = async (handles: readonly string[]): Promise<Completion[]> => {
  const done: Completion[] = [];
  for (const handle of handles) done.push(await completeAt(handle));
  all.push(...done);
  return done;
};

let healthy: ReturnType<typeof figures>;

/**
 * Sends requests one at a time (as one Lambda environment serves them) until the breaker's "open" line appears, then
 * MEASURED more. Returns the requests before it opened and the measured ones.
 */
const outagePhase = async (fault: Fault, label: string) => {
  const opensBefore = transitions('open');
  eventBridge.fault = fault;
  const callsBefore = eventBridge.calls.length;
  const handles = await seed(label, MEASURED + 40);
  const beforeOpen: Completion[] = [];
  let next = 0;
  while (transitions('open') === opensBefore && next < 30) {
    beforeOpen.push(...(await sequentially([handles[next] as string])));
    next += 1;
  }
  expect(transitions('open')).toBe(opensBefore + 1);
  const callsToOpen = eventBridge.calls.length - callsBefore;
  const measured = await sequentially(handles.slice(next, next + MEASURED));
  return { beforeOpen, measured, callsToOpen };
};

/** EventBridge back: requests go on until a probe closes the breaker (the cool-down may have grown to 60 s). */
const recover = async (label: string) => {
  const closesBefore = transitions('closed');
  eventBridge.fault = 'none';
  const handles = await seed(label, 300);
  let next = 0;
  while (transitions('closed') === closesBefore) {
    expect(next).toBeLessThan(handles.length);
    await sequentially([handles[next] as string]);
    next += 1;
    await new Promise((done) => setTimeout(done, 150));
  }
};

describe('EventBridge outage: the circuit breaker keeps the API at its healthy speed', () => {
  test('healthy baseline', async () => {
    const handles = await seed('outage-healthy', WARMUP + MEASURED);
    await sequentially(handles.slice(0, WARMUP));
    healthy = figures(await sequentially(handles.slice(WARMUP)));
    process.stdout.write(`breaker e2e, EventBridge healthy: ${fmt(healthy)}\n`);
    expect(transitions('open')).toBe(0);
  }, 120_000);

  test.each<[string, Fault]>([
    ['never answers (hangs)', 'hang'],
    ['answers 500', 'error500'],
  ])(
    'EventBridge %s: a few requests wait, the breaker opens, then p99 <= 1.5x healthy; a probe closes it after recovery',
    async (label, fault) => {
      const { beforeOpen, measured, callsToOpen } = await outagePhase(fault, `outage-${fault}`);
      const open = figures(measured);
      const waited = figures(beforeOpen);
      process.stdout.write(
        `breaker e2e, EventBridge ${label}: ${beforeOpen.length} request(s) before the breaker opened ` +
          `(${callsToOpen} PutEvents attempts; ${fmt(waited)}); once open: ${fmt(open)}; ` +
          `healthy: ${fmt(healthy)}; p99 ratio ${(open.p99 / healthy.p99).toFixed(2)}, p50 ratio ${(open.p50 / healthy.p50).toFixed(2)}\n`,
      );
      // One environment (serverless offline runs the handler in-process): the configured threshold, no more.
      expect(beforeOpen.length).toBe(5);
      if (fault === 'hang') expect(waited.p50).toBeGreaterThanOrEqual(1_900); // they did wait the 2 s budget
      expect(open.p99).toBeLessThanOrEqual(1.5 * healthy.p99);
      expect(open.p50).toBeLessThanOrEqual(1.5 * healthy.p50);
      await recover(`recover-${fault}`);
    },
    240_000,
  );

  test('every completion answered 200 with the completed order; after recovery the relay delivers every event exactly once', async () => {
    expect(all.length).toBeGreaterThan(3 * MEASURED);
    const expected = new Set<string>();
    for (const completion of all) {
      // A failure names the request and its answer (e.g. a 503 from a DynamoDB Local too slow on a loaded machine).
      expect({ status: completion.status, body: completion.body }).toMatchObject({
        status: 200,
        body: { order_handle: completion.handle, status: 'completed' },
      });
      expected.add(orderCompletedEventId(recordOf(completion.handle), String(completion.body.completed_at)));
    }
    const delivered = eventBridge.deliveriesById();
    const pendingBefore = [...expected].filter((id) => !delivered.has(id)).length;
    expect(pendingBefore).toBeGreaterThan(2 * MEASURED); // the outages' events were left pending

    // Asynchronously: the fake EventBridge answers from this test process, so a blocking spawnSync would stall it.
    const relay = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn(
        process.execPath,
        [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'relay.ts'), '--json'],
        {
          cwd: root,
          env: {
            ...process.env,
            DYNAMODB_ENDPOINT: `http://127.0.0.1:${stack!.ports.DYNAMODB_PORT}`,
            EVENTBRIDGE_ENDPOINT: eventBridge.endpoint,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => (child.kill(), fail(new Error('npm run relay: no end in 120 s'))), 120_000);
      child.once('close', (status) => (clearTimeout(timer), done({ status, stdout, stderr })));
    });
    if (relay.status !== 0)
      process.stdout.write(`breaker e2e: relay exited ${relay.status}:\n${relay.stdout}\n${relay.stderr}\n`);
    expect({ status: relay.status, stderr: relay.stderr }).toMatchObject({ status: 0 });
    const report = JSON.parse(relay.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(report).toMatchObject({ failed: 0, pending_after: 0 });
    process.stdout.write(`breaker e2e: ${pendingBefore} events left pending, relayed: ${JSON.stringify(report)}\n`);

    const after = eventBridge.deliveriesById();
    expect(new Set(after.keys())).toEqual(expected);
    expect([...after.values()].every((count) => count === 1)).toBe(true);
  }, 180_000);
});
