import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runBench, type BenchResults } from '../../bench/run';

/**
 * `npm run bench` once with tiny N: the whole pipeline works (bundles, DynamoDB Local, local EventBridge, warm,
 * cold, cost) and the deterministic figures hold: AWS calls per completion and capacity units. Timings at this N
 * mean nothing and are only checked for shape. Output goes to .local/, never over the committed bench/results.json.
 */
const root = resolve(__dirname, '..', '..');
const out = join('.local', 'bench-smoke', 'results.json');
const committed = join(root, 'bench', 'results.json');

describe('npm run bench (smoke, tiny N)', () => {
  let results: BenchResults;
  const committedBefore = existsSync(committed) ? statSync(committed).mtimeMs : undefined;

  test('runs end to end and writes its results under .local/', async () => {
    results = await runBench({
      n: 12,
      concurrentRequests: 8,
      c: 4,
      warmup: 3,
      cold: 1,
      sizes: [10, 1000],
      overheadIterations: 300,
      print: false,
      out,
      workDir: join('.local', 'bench-smoke', 'work'),
    });
    const written = JSON.parse(readFileSync(join(root, out), 'utf8')) as BenchResults;
    expect(written.bundle_bytes).toBe(results.bundle_bytes);
    expect(existsSync(committed) ? statSync(committed).mtimeMs : undefined).toBe(committedBefore);
  }, 300_000);

  test('every headline figure is there and sane', () => {
    for (const name of [
      'warm_p50_ratio',
      'warm_p99_ratio',
      'cold_start_ratio',
      'cpu_us_per_request',
      'handler_cpu_us_per_request_without_sdk',
    ]) {
      expect(Number.isFinite(results[name])).toBe(true);
      expect(results[name]).toBeGreaterThan(0);
    }
    expect(results.bundle_bytes).toBeGreaterThan(results.baseline_bundle_bytes);
    expect(results.baseline_bundle_bytes).toBeGreaterThan(100_000);
  });

  test('at most 1 read + 2 writes + 1 PutEvents entry per completion; no read when the query names the record', () => {
    expect(results.calls_per_completion.reads).toBeLessThanOrEqual(1);
    expect(results.calls_per_completion.writes).toBeLessThanOrEqual(2);
    expect(results.calls_per_completion.put_events).toBe(1);
    expect(results.calls_per_completion_by_shape.exact).toEqual({ reads: 0, writes: 2, put_events: 1 });
    expect(results.calls_per_completion_by_shape.latest_attempt).toEqual({ reads: 1, writes: 2, put_events: 1 });
  });

  test('capacity units: the same as the bare-SDK baseline at every size; no read units on the exact path', () => {
    const sizes = results.capacity_by_size;
    expect(sizes.map((size) => size.storable)).toEqual([true, true]);
    for (const size of sizes) {
      for (const shape of ['exact', 'latest_attempt', 'handle_only'] as const) {
        const subject = size.subject?.[shape];
        const baseline = size.baseline?.[shape];
        expect({ shape, reads: subject?.read_units, writes: subject?.write_units }).toEqual({
          shape,
          reads: baseline?.read_units,
          writes: baseline?.write_units,
        });
      }
      expect(size.subject?.exact.read_units).toBe(0);
    }
    // The completing write is charged for the whole item: a bigger order costs more (DynamoDB's rule, not ours).
    expect(sizes[1]?.subject?.exact.write_units).toBeGreaterThan(sizes[0]?.subject?.exact.write_units ?? Infinity);
  });
});
