import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `npm run bench:relay` once with a small backlog, into a copy of bench/results.json under .local/: both relays
 * deliver every event exactly once (the bench fails otherwise), the deterministic figures hold (SDK calls per event:
 * run 8's relay makes two UpdateItem per event, the deployed one batches them in TransactWriteItems of up to 100),
 * and the figures are merged into the file with every other key kept; one deployed invocation (part 1 of the
 * schedule's parts) drains its own shards' backlog. Rates at this size mean nothing.
 */
const root = resolve(__dirname, '..', '..');

test('bench:relay: exactly-once, calls per event, merged into results.json', () => {
  const dir = join(root, '.local', 'bench-relay-smoke');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'results.json');
  copyFileSync(join(root, 'bench', 'results.json'), out);
  const before = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;

  const run = spawnSync(
    process.execPath,
    [
      resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      resolve(root, 'bench', 'relay.ts'),
      '--events',
      '400',
      '--out',
      out,
      '--no-profile',
    ],
    { cwd: root, encoding: 'utf8', timeout: 240_000 },
  );
  expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toMatchObject({ status: 0 });

  const after = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
    relay: {
      injected_latency_ms: { dynamodb: number; put_events: number };
      before: { events_per_s: number; sdk_calls_per_event: Record<string, number> };
      after: { events_per_s: number; sdk_calls_per_event: Record<string, number>; put_events_max_in_flight: number };
      invocation: { events: number; events_per_s: number; report: { published: number } };
    };
  };
  for (const key of Object.keys(before).filter((name) => !name.startsWith('relay'))) {
    expect(after[key]).toEqual(before[key]);
  }
  expect(after.relay_events_per_s).toBe(after.relay.after.events_per_s);
  expect(after.relay.after.events_per_s).toBeGreaterThan(0);
  expect(after.relay.injected_latency_ms).toEqual({ dynamodb: 6, put_events: 20 });
  expect(after.relay.before.sdk_calls_per_event).toMatchObject({ UpdateItem: 2, PutEvents: 0.1 });
  expect(after.relay.after.sdk_calls_per_event.UpdateItem).toBeUndefined();
  expect(after.relay.after.sdk_calls_per_event.TransactWriteItems).toBeLessThanOrEqual(0.05);
  // 10 per call, but each shard's last page may end in a partial call.
  expect(after.relay.after.sdk_calls_per_event.PutEvents).toBeGreaterThanOrEqual(0.1);
  expect(after.relay.after.sdk_calls_per_event.PutEvents).toBeLessThanOrEqual(0.125);
  expect(after.relay.after.put_events_max_in_flight).toBeGreaterThan(1);
  // One deployed invocation (part 1 of RELAY_PARTS) drains a backlog in its own shards, each event once.
  expect(after.relay_invocation_events_per_s).toBe(after.relay.invocation.events_per_s);
  expect(after.relay.invocation).toMatchObject({ events: 400, report: { published: 400 } });
}, 300_000);
