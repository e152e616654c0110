import { cpus, totalmem } from 'node:os';
import type { BenchContext } from './context';
import type { ColdRun } from './phases/cold';
import { PRICES } from './phases/cost';
import type { OverheadRun } from './phases/overhead';
import type { WarmRun } from './phases/warm';
import { inProcessTracing } from './profile';
import type { BenchResults, Calls, ColdFigures, ProfileFigures, Shape, Side, SizeCost, WarmFigures } from './results';
import type { CostFigures } from './phases/cost';
import { SIDES } from './results';
import { mean, meanDifference, median, percentile, percentileRatio, round, type Round } from './stats';

/** Tracer-only packages: what Powertools Tracer adds to the bundle (aws-xray-sdk-core and its dependencies). */
const TRACER_PACKAGES = [
  '@aws-lambda-powertools/tracer',
  'aws-xray-sdk-core',
  'cls-hooked',
  'semver',
  'atomic-batcher',
  'async-hook-jl',
  'emitter-listener',
  'shimmer',
  'stack-chain',
];

const pooled = (rounds: readonly Round<Side>[], side: Side): number[] => rounds.flatMap((round_) => round_[side]);

const throughput = (warm: WarmRun, side: Side) => warm.concurrent[side].count / (warm.concurrent[side].wall / 1000);

const profileFigures = (ctx: BenchContext, side: 'subject' | 'alternate', warm: WarmRun, cold: ColdRun) => {
  const profile = ctx.profiles[side];
  const p50 = percentileRatio(warm.latency, side, 'baseline', 50);
  const p99 = percentileRatio(warm.latency, side, 'baseline', 99);
  const overhead = meanDifference(warm.cpu, side, 'baseline');
  const coldRatio = percentileRatio(cold.total, side, 'baseline', 50);
  const ratioOf = (rounds: readonly Round<Side>[]) =>
    round(median(pooled(rounds, side)) / median(pooled(rounds, 'baseline')));
  const concurrent = (p: number) =>
    round(percentile(warm.concurrent[side].latencies, p) / percentile(warm.concurrent.baseline.latencies, p));
  return {
    profile: profile.name,
    description: profile.description,
    in_process_tracing: inProcessTracing(profile.environment),
    xray_segments_sent: warm.xraySegments[side],
    warm_p50_ratio: round(p50.value),
    warm_p50_ratio_se: round(p50.se, 4),
    warm_p99_ratio: round(p99.value),
    warm_p99_ratio_se: round(p99.se, 4),
    cpu_us_per_request: round(mean(pooled(warm.cpu, side)), 1),
    cpu_overhead_us_per_request: round(overhead.value, 1),
    cpu_overhead_us_per_request_se: round(overhead.se, 1),
    cold_start_ratio: round(coldRatio.value),
    cold_start_ratio_se: round(coldRatio.se, 4),
    cold_init_ratio: ratioOf(cold.init),
    cold_peak_rss_ratio: ratioOf(cold.rss),
    concurrent_p50_ratio: concurrent(50),
    concurrent_p99_ratio: concurrent(99),
    throughput_ratio: round(throughput(warm, side) / throughput(warm, 'baseline')),
    bundle_loaded_bytes: cold.loadedBytes[side],
    bundle_loaded_ratio: round(cold.loadedBytes[side] / cold.loadedBytes.baseline),
  } satisfies ProfileFigures;
};

const warmFigures = (ctx: BenchContext, warm: WarmRun, side: Side): WarmFigures => {
  const latencies = pooled(warm.latency, side);
  const concurrent = warm.concurrent[side];
  return {
    sequential: {
      count: latencies.length,
      p50_ms: round(median(latencies)),
      p99_ms: round(percentile(latencies, 99)),
      mean_ms: round(mean(latencies)),
      cpu_us_per_request: round(mean(pooled(warm.cpu, side)), 1),
    },
    concurrent: {
      count: concurrent.count,
      p50_ms: round(median(concurrent.latencies)),
      p99_ms: round(percentile(concurrent.latencies, 99)),
      throughput_per_s: round(throughput(warm, side), 1),
      cpu_us_per_request: round(mean(concurrent.cpu), 1),
    },
  };
};

const coldFigures = (cold: ColdRun, side: Side): ColdFigures => ({
  runs: cold.total.length,
  since_process_start_ms_p50: round(median(pooled(cold.total, side)), 1),
  load_and_first_request_ms_p50: round(median(pooled(cold.init, side)), 1),
  peak_rss_mb_p50: round(median(pooled(cold.rss, side)) / 1024, 1),
});

const callsByShape = (bySize: readonly SizeCost[]): Record<Shape, Calls> => {
  const reference = bySize.find((size) => size.storable && size.subject !== undefined)?.subject;
  const calls = (shape: Shape): Calls => ({
    reads: reference?.[shape].reads ?? Number.NaN,
    writes: reference?.[shape].writes ?? Number.NaN,
    put_events: reference?.[shape].put_events ?? Number.NaN,
  });
  return { exact: calls('exact'), latest_attempt: calls('latest_attempt'), handle_only: calls('handle_only') };
};

const perSide = <T>(make: (side: Side) => T): Record<Side, T> =>
  Object.fromEntries(SIDES.map((side) => [side, make(side)])) as Record<Side, T>;

export const summarize = (
  ctx: BenchContext,
  runs: { warm: WarmRun; cold: ColdRun; overhead: OverheadRun; cost: CostFigures; loadAtStart: number[] },
): BenchResults => {
  const { warm, cold, overhead, cost } = runs;
  const { subject, baseline } = ctx.bundles;
  const alternate = profileFigures(ctx, 'alternate', warm, cold);
  const byShape = callsByShape(cost.bySize);
  const worst = (field: keyof Calls) => Math.max(...Object.values(byShape).map((calls) => calls[field]));
  const lambdaCost = (side: Side) =>
    round(
      1e6 * (PRICES.lambda_request + (median(pooled(warm.latency, side)) / 1000) * PRICES.lambda_gb_second_arm64),
      2,
    );
  return {
    generated_at: new Date().toISOString(),
    ...profileFigures(ctx, 'subject', warm, cold),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? 'unknown',
      memory_gb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      load_average_at_start: runs.loadAtStart.map((load) => round(load, 2)),
      note: 'shared 2-core machine; other work may have run at the same time (load_average_at_start)',
    },
    options: ctx.options,
    endpoints:
      'fast in-process fakes (DynamoDB with the orders and accounts tables, EventBridge, X-Ray daemon); DynamoDB Local for cost',
    deployed_environment: ctx.profiles.subject.environment,
    ...(alternate.profile === 'lean' ? { lean: alternate } : { traced: alternate }),
    baseline_cpu_us_per_request: round(mean(pooled(warm.cpu, 'baseline')), 1),
    handler_cpu_us_per_request_without_sdk: round(overhead.cpu_us_mean, 1),
    handler_cpu_us_p50_without_sdk: round(overhead.cpu_us_p50, 1),
    bundle_bytes: subject.bytes,
    baseline_bundle_bytes: baseline.bytes,
    baseline_bundle_loaded_bytes: cold.loadedBytes.baseline,
    bundle_ratio: round(subject.bytes / baseline.bytes),
    bundle_tracer_bytes: Object.entries(subject.packages)
      .filter(([name]) => TRACER_PACKAGES.includes(name))
      .reduce((sum, [, bytes]) => sum + bytes, 0),
    calls_per_completion: { reads: worst('reads'), writes: worst('writes'), put_events: worst('put_events') },
    calls_per_completion_by_shape: byShape,
    warm: perSide((side) => warmFigures(ctx, warm, side)),
    cold: perSide((side) => coldFigures(cold, side)),
    bundle_packages: {
      subject: Object.fromEntries(Object.entries(subject.packages).slice(0, 20)),
      baseline: Object.fromEntries(Object.entries(baseline.packages).slice(0, 20)),
    },
    capacity_by_size: cost.bySize,
    auth_miss: {
      note: 'a credential-cache miss (first request of an account per environment, then every ACCOUNTS_CACHE_SECONDS): one strongly consistent GetItem',
      ...cost.authMiss,
    },
    prices_usd: PRICES,
    lambda_cost_per_million_usd: {
      note: 'requests plus 1024 MB arm64 for the measured warm p50 (local fake latency, not AWS latency)',
      subject: lambdaCost('subject'),
      baseline: lambdaCost('baseline'),
    },
  };
};
