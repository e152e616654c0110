import { beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchOptions } from '../../bench/options';
import { runBench, type BenchResults } from '../../bench/run';

/**
 * `npm run bench` once with tiny N (in beforeAll: every test stands alone): the whole pipeline works (bundles, the
 * fast fakes, DynamoDB Local for cost, warm, cold, overhead) in the deployed default profile, and the deterministic
 * figures hold: AWS calls per completion and capacity units. Timings at this N mean nothing and are only checked
 * for shape. Output goes to .local/, never over the committed bench/results.json.
 */
const root = resolve(__dirname, '..', '..');
const out = join('.local', 'bench-smoke', 'results.json');
const committed = join(root, 'bench', 'results.json');

const TINY: Partial<BenchOptions> = {
  n: 12,
  maxN: 12,
  block: 6,
  concurrentRequests: 8,
  c: 4,
  warmup: 3,
  cold: 2,
  maxCold: 2,
  // 2 500 points: an answer over 64 KB, so the gzip-compressed path is measured too.
  sizes: [10, 1000, 2500],
  sizeSamples: 2,
  overheadIterations: 300,
  print: false,
  out,
  workDir: join('.local', 'bench-smoke', 'work'),
};

/**
 * Subject and baseline are charged the same capacity units at every size and query shape. The exact path reads
 * nothing for a short track (inline in the order's head); a long one is read from its chunks, the only read.
 */
const expectSameCapacity = (sizes: BenchResults['capacity_by_size']): void => {
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
    if (size.points <= 10) expect(size.subject?.exact.read_units).toBe(0);
    else expect(size.subject?.exact.reads).toBe(1);
    expect(size.subject?.exact.writes).toBe(2);
  }
};

describe('npm run bench (smoke, tiny N)', () => {
  let results: BenchResults;
  const committedBefore = existsSync(committed) ? statSync(committed).mtimeMs : undefined;

  beforeAll(async () => {
    // X-Ray's default rule samples the first request of a second, then 5 %: a dozen requests in one second may
    // send no segment at all. The smoke run samples every request, so the tracing check below cannot flake.
    process.env.BENCH_SAMPLE_EVERY_REQUEST = '1';
    results = await runBench(TINY);
    delete process.env.BENCH_SAMPLE_EVERY_REQUEST;
  }, 300_000);

  test('writes its results under .local/, never over the committed file', () => {
    const written = JSON.parse(readFileSync(join(root, out), 'utf8')) as BenchResults;
    expect(written.bundle_bytes).toBe(results.bundle_bytes);
    expect(existsSync(committed) ? statSync(committed).mtimeMs : undefined).toBe(committedBefore);
  });

  test('every headline figure is there and sane, with its standard error', () => {
    const figures = [
      results.warm_p50_ratio,
      results.warm_p99_ratio,
      results.cold_start_ratio,
      results.cpu_us_per_request,
      results.handler_cpu_us_per_request_without_sdk,
      results.bundle_loaded_ratio,
    ];
    for (const figure of figures) {
      expect(Number.isFinite(figure)).toBe(true);
      expect(figure).toBeGreaterThan(0);
    }
    for (const se of [results.warm_p50_ratio_se, results.warm_p99_ratio_se, results.cold_start_ratio_se]) {
      expect(Number.isFinite(se)).toBe(true);
    }
    expect(results.bundle_bytes).toBeGreaterThan(results.baseline_bundle_bytes);
    expect(results.baseline_bundle_bytes).toBeGreaterThan(100_000);
    expect(results.machine.node).toBe(process.version);
  });

  test('measures the deployed default profile: prod environment, credentials from the accounts table', () => {
    expect(results.profile).toBe('deployed-default');
    expect(results.deployed_environment.STAGE).toBe('prod');
    expect(results.deployed_environment.ACCOUNTS_TABLE_NAME).toBe('orders-complete-prod-accounts');
    // A credential-cache miss is one strongly consistent GetItem (1 RRU: issue 22's revocation bound) on both
    // sides, counted apart from the completion's own calls.
    expect(results.auth_miss.subject).toEqual({ reads: 1, read_units: 1 });
    expect(results.auth_miss.baseline).toEqual({ reads: 1, read_units: 1 });
    const alternate = results.lean ?? results.traced;
    expect(alternate?.in_process_tracing).toBe(!results.in_process_tracing);
  });

  test('in-process tracing is live in the profile that has it: segments reach the X-Ray daemon stand-in', () => {
    const traced = results.in_process_tracing ? results : results.traced;
    const untraced = results.in_process_tracing ? results.lean : results;
    expect(traced?.xray_segments_sent).toBeGreaterThan(0);
    expect(untraced?.xray_segments_sent).toBe(0);
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
    expect(sizes.map((size) => size.storable)).toEqual([true, true, true]);
    expectSameCapacity(sizes);
    // The track lives apart from the order's head (issue 19): a long trip adds no write units to a completion.
    const short = sizes[0]?.subject;
    for (const size of sizes.slice(1)) {
      for (const shape of ['exact', 'latest_attempt', 'handle_only'] as const) {
        expect(size.subject?.[shape].write_units).toBeLessThanOrEqual(short?.[shape].write_units ?? -1);
      }
    }
  });

  test('latency and CPU per plain POST at every size, against the baseline, with standard errors', () => {
    for (const size of results.capacity_by_size) {
      const timing = size.timing;
      expect(timing?.samples).toBe(2);
      for (const side of [timing?.subject, timing?.baseline]) {
        expect(side?.p50_ms).toBeGreaterThan(0);
        expect(side?.cpu_us_p50).toBeGreaterThan(0);
      }
      expect(Number.isFinite(timing?.p50_ratio_se)).toBe(true);
      expect(Number.isFinite(timing?.cpu_overhead_us_se)).toBe(true);
    }
    // An answer over 64 KB goes gzip-compressed: fewer bytes sent than the order's JSON.
    const long = results.capacity_by_size[2];
    expect(long?.answer_bytes).toBeLessThan((long?.item_json_bytes ?? 0) / 2);
  });
});
