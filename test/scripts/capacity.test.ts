import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MissingBenchKey, parseMix, readBenchFigures } from '../../scripts/capacity/bench-figures';
import { authReadsPerSecond, capacityModel, DEFAULT_ASSUMPTIONS, type Assumptions } from '../../scripts/capacity/model';
import { SECONDS_PER_MONTH } from '../../scripts/capacity/quotas';

/** A results.json with round numbers, so every figure below can be worked by hand. */
const shapeFigures = (writeUnits: number, readUnits: number) => ({
  reads: 1,
  writes: 2,
  put_events: 1,
  read_units: readUnits,
  write_units: writeUnits,
});
const results = (overrides: { smallWriteUnits?: number } = {}) => ({
  generated_at: '2026-12-05T00:00:00.000Z',
  cpu_us_per_request: 4_000,
  relay_events_per_s: 1_000,
  relay_invocation_events_per_s: 1_000,
  auth_miss: { subject: { reads: 1, read_units: 0.5 }, baseline: { reads: 1, read_units: 0.5 } },
  capacity_by_size: [
    { points: 10, storable: true, subject: { handle_only: shapeFigures(overrides.smallWriteUnits ?? 8, 1) } },
    { points: 1000, storable: true, subject: { handle_only: shapeFigures(200, 30) } },
    { points: 50000, storable: false },
  ],
  prices_usd: {
    dynamodb_write_request_unit: 1e-6,
    dynamodb_read_request_unit: 1e-7,
    eventbridge_event: 1e-6,
    lambda_request: 2e-7,
    lambda_gb_second_arm64: 1e-5,
  },
});

const assumptions: Assumptions = {
  ...DEFAULT_ASSUMPTIONS,
  dynamodbCallMs: 5,
  eventbridgeCallMs: 20,
  memoryMb: 1024,
  activeAccounts: 1,
  pendingShards: 8,
  stageThrottleRps: undefined,
  outageMinutes: 10,
};

describe('capacity model, a small case worked by hand', () => {
  const bench = readBenchFigures(results(), 'handle_only');
  expect(bench.auth_read_units).toBe(0.5);
  const small = capacityModel(bench, 1_000, new Map([[10, 1]]), assumptions);

  test('duration, concurrency and loads', () => {
    // 4 ms CPU + 3 DynamoDB calls x 5 ms + 1 PutEvents x 20 ms = 39 ms; 1 000/s x 0.039 s = 39 environments.
    expect(small.lambda_duration_ms).toBeCloseTo(39, 9);
    expect(small.concurrency).toBeCloseTo(39, 9);
    const fraction = (resource: string) => small.loads.find((load) => load.resource.startsWith(resource))?.fraction;
    expect(fraction('API Gateway requests')).toBeCloseTo(0.1, 9); // 1 000 / 10 000
    expect(fraction('Lambda concurrency (account')).toBeCloseTo(0.039, 9); // 39 / 1 000
    expect(fraction('orders table writes')).toBeCloseTo(0.2, 9); // 8 000 WRU/s / 40 000
    expect(fraction('orders table reads')).toBeCloseTo(0.025, 9); // 1 000 RRU/s / 40 000
    expect(fraction('pending-events index writes')).toBeCloseTo(0.05, 9); // 2 000 / 40 000
    expect(fraction('pending-events shard')).toBeCloseTo(0.25, 9); // 2 000 / 8 shards = 250 / 1 000
    expect(fraction('EventBridge PutEvents')).toBeCloseTo(0.1, 9); // 1 000 / 10 000
    // EventBridge hanging: 39 - 20 + 2 000 ms = 2 019 ms per request -> 2 019 concurrent.
    expect(fraction('Lambda concurrency, EventBridge hanging')).toBeCloseTo(2.019, 9);
  });

  test('binds first, shards needed', () => {
    expect(small.binds_first.resource).toBe('pending-events shard (1 of 8)');
    expect(small.max_rps_before_first_limit).toBeCloseTo(4_000, 6);
    // 2 000 index writes/s at 80% of 1 000 per shard: 2.5 -> 3 shards.
    expect(small.shards_needed).toBe(3);
  });

  test('cost per completion and per month', () => {
    // One account, 39 environments, TTL 60 s: 39 x (1 - e^(-1000x60/39)) / 60 = 0.65 reads/s.
    expect(small.auth_reads_per_second).toBeCloseTo(0.65, 9);
    // API 1e-6; Lambda 2e-7 + 0.039 s x 1 GB x 1e-5 = 5.9e-7; DynamoDB 1 x 1e-7 + (8 + 2) x 1e-6 = 1.01e-5;
    // EventBridge 1e-6; accounts 0.65 x 0.5 x 1e-7 / 1 000 per completion.
    const perCompletion = 1e-6 + 5.9e-7 + 1.01e-5 + 1e-6 + (0.65 * 0.5 * 1e-7) / 1_000;
    expect(small.cost_per_million_usd).toBeCloseTo(perCompletion * 1e6, 9);
    expect(small.cost_per_month_usd.total).toBeCloseTo(perCompletion * 1_000 * SECONDS_PER_MONTH, 6);
    expect(small.cost_per_month_usd.dynamodb_orders).toBeCloseTo(1.01e-5 * 1_000 * SECONDS_PER_MONTH, 6);
  });

  test('relay catch-up after a 10-minute outage: the measured rate x 8 invocations, working 40 s of 60', () => {
    // 1 000/s per process x 8 = 8 000/s (under the relay's share, 1 000 calls x 10, and the headroom, 9 000 x 10).
    expect(small.relay.bound).toBe('relay processes');
    expect(small.relay.events_per_second).toBeCloseTo(8_000 * (40 / 60), 9);
    expect(small.relay.backlog_events).toBe(600_000);
    expect(small.relay.catch_up_seconds).toBeCloseTo(600_000 / (8_000 * (40 / 60)), 6);
    // 5 minutes: 600 000 / 300 s / (2/3) = 3 000 events/s = 300 calls/s over the live 1 000.
    expect(small.relay.put_events_quota_needed).toBeCloseTo(1_300, 9);
  });

  test('at 10 000/s the live completions take the whole PutEvents quota: no catch-up without headroom', () => {
    const big = capacityModel(bench, 10_000, new Map([[10, 1]]), assumptions);
    const share = capacityModel(bench, 1_000, new Map([[10, 1]]), { ...assumptions, relayPutEventsSharePercent: 5 });
    expect(share.relay.bound).toBe('relay share of the PutEvents quota'); // 500 calls x 10 < 8 000
    expect(share.relay.events_per_second).toBeCloseTo(5_000 * (40 / 60), 9);
    expect(big.relay.bound).toBe('PutEvents quota headroom');
    expect(big.relay.catch_up_seconds).toBe(Infinity);
    // 6 000 000 / 300 s / (2/3) / 10 = 3 000 calls/s over the live 10 000.
    expect(big.relay.put_events_quota_needed).toBeCloseTo(13_000, 9);
  });

  test('EventBridge outage: concurrency x52 without the breaker, x0.54 once the breakers are open', () => {
    // Without: 39 - 20 + 2 000 ms = 2 019 ms. Breakers open: 19 ms (no PutEvents) x (1 + 500 / 5 000) = 20.9 ms.
    expect(small.outage_concurrency_ratio.without_breaker).toBeCloseTo(2_019 / 39, 9);
    expect(small.outage_concurrency_ratio.breakers_open).toBeCloseTo(20.9 / 39, 9);
  });

  test('a mix blends the sizes by share', () => {
    const mixed = capacityModel(bench, 100, parseMix('small=0.5,large=0.5', bench.sizes), assumptions);
    expect(mixed.per_completion.write_units).toBeCloseTo(104, 9); // (8 + 200) / 2
    expect(mixed.per_completion.read_units).toBeCloseTo(15.5, 9); // (1 + 30) / 2
  });

  test('a stage throttle, when given, is a limit of its own and can bind first', () => {
    const throttled = capacityModel(bench, 1_000, new Map([[10, 1]]), { ...assumptions, stageThrottleRps: 200 });
    expect(throttled.binds_first.resource).toBe('API stage throttle (serverless.yml)');
    expect(throttled.binds_first.fraction).toBeCloseTo(5, 9);
    expect(throttled.binds_first_aws.resource).toBe('pending-events shard (1 of 8)');
  });
});

describe('inputs', () => {
  test('the figures follow bench/results.json: other write units, other load and cost', () => {
    const mix = new Map([[10, 1]]);
    const before = capacityModel(readBenchFigures(results(), 'handle_only'), 1_000, mix, assumptions);
    const after = capacityModel(
      readBenchFigures(results({ smallWriteUnits: 16 }), 'handle_only'),
      1_000,
      mix,
      assumptions,
    );
    expect(after.loads.find((l) => l.resource === 'orders table writes')?.fraction).toBeCloseTo(0.4, 9);
    expect(after.cost_per_million_usd - before.cost_per_million_usd).toBeCloseTo(8, 9); // 8 more WRU x $1e-6 x 1e6
  });

  test('a missing key is named', () => {
    const broken = results() as Record<string, unknown>;
    delete (broken.prices_usd as Record<string, unknown>).eventbridge_event;
    expect(() => readBenchFigures(broken, 'handle_only')).toThrow(MissingBenchKey);
    expect(() => readBenchFigures(broken, 'handle_only')).toThrow('prices_usd.eventbridge_event');
    expect(() => readBenchFigures(results(), 'exact')).toThrow('capacity_by_size.[0].subject.exact.reads');
    expect(() => readBenchFigures({}, 'handle_only')).toThrow('capacity_by_size');
  });

  test('sizes the bench could not store are left out; --mix must name known sizes and add up to 1', () => {
    const { sizes } = readBenchFigures(results(), 'handle_only');
    expect(sizes.map((size) => size.points)).toEqual([10, 1000]);
    expect(() => parseMix('small=0.5', sizes)).toThrow('add up to 1');
    expect(() => parseMix('250=1', sizes)).toThrow('no figures for 250 points (it has: 10, 1000)');
    expect(() => parseMix('huge=1', sizes)).toThrow('unknown size');
    expect([...parseMix('10=0.25,large=0.75', sizes)]).toEqual([
      [10, 0.25],
      [1000, 0.75],
    ]);
  });

  test('auth reads: bounded by the request rate, and by environments x accounts per TTL', () => {
    expect(authReadsPerSecond(1_000, 10, 1, 60)).toBeCloseTo(10 / 60, 9);
    expect(authReadsPerSecond(10, 1_000, 1_000_000, 60)).toBeLessThanOrEqual(10);
    expect(authReadsPerSecond(10, 1_000, 1_000_000, 60)).toBeGreaterThan(9.99);
    expect(authReadsPerSecond(0, 10, 10, 60)).toBe(0);
  });
});

describe('npm run capacity (the script)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [resolve('node_modules/tsx/dist/cli.mjs'), resolve('scripts/capacity.ts'), ...args], {
      encoding: 'utf8',
    });

  test('prints different figures when bench/results.json changes; a missing key: one line naming it, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    try {
      const file = join(dir, 'results.json');
      writeFileSync(file, JSON.stringify(results()));
      const first = run(['--rps', '1000', '--results', file, '--stage', 'none', '--json']);
      expect(first.status).toBe(0);
      writeFileSync(file, JSON.stringify(results({ smallWriteUnits: 16 })));
      const second = run(['--rps', '1000', '--results', file, '--stage', 'none', '--json']);
      const costOf = (stdout: string) =>
        (JSON.parse(stdout) as { results: { cost_per_million_usd: number }[] }).results[0]?.cost_per_million_usd;
      expect(costOf(second.stdout)).toBeGreaterThan(costOf(first.stdout) as number);

      const broken = results() as Record<string, unknown>;
      delete broken.cpu_us_per_request;
      writeFileSync(file, JSON.stringify(broken));
      const missing = run(['--rps', '1000', '--results', file]);
      expect(missing.status).toBe(1);
      expect(missing.stderr.trim().split('\n')).toEqual([expect.stringContaining('"cpu_us_per_request"')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test('the committed bench/results.json runs, and the prod stage throttle is read from serverless.yml', () => {
    const out = run(['--rps', '1000', '--json']);
    expect(out.status).toBe(0);
    const parsed = JSON.parse(out.stdout) as { assumptions: Assumptions; results: unknown[] };
    const yml = readFileSync(resolve('serverless.yml'), 'utf8');
    expect(yml).toContain(`throttlingRateLimit: ${parsed.assumptions.stageThrottleRps}`);
    expect(parsed.results).toHaveLength(1);
  }, 30_000);
});
