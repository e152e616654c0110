import type { BenchFigures, SizeFigures } from './bench-figures';
import { EXTRA_PRICES_USD, QUOTAS, SECONDS_PER_MONTH, type QuotaName } from './quotas';

/**
 * The capacity model (docs/capacity.md): for a completion rate and an order-size mix, the load on every AWS limit
 * the service touches, which binds first, the pending-events shards needed, the cost, and the relay's catch-up
 * after an EventBridge outage. Pure arithmetic on the bench's per-completion figures and the assumptions below.
 */

export interface Assumptions {
  /** One DynamoDB call (in AWS, same Region) and one PutEvents, as the Lambda waits for them. */
  dynamodbCallMs: number;
  eventbridgeCallMs: number;
  memoryMb: number;
  /** Accounts sending traffic, equally. */
  activeAccounts: number;
  /** ACCOUNTS_CACHE_SECONDS. */
  authCacheSeconds: number;
  /** One GetItem of an account item (< 4 KB, eventually consistent). */
  authReadUnits: number;
  /** The pending-events index: a completion writes its key and the clear removes it, 1 unit each (KEYS_ONLY). */
  indexWritesPerCompletion: number;
  pendingShards: number;
  /** Target load of one shard, as a fraction of its partition's 1 000 writes/s, when sizing the shard count. */
  shardTargetFraction: number;
  /** The request path's publish budget (PUBLISH_TIMEOUT_MS). */
  publishTimeoutMs: number;
  /**
   * The request path's circuit breaker (domain/circuit-breaker.ts): failures that open it, the first cool-down (the
   * shortest: the most probes) and a probe's budget.
   */
  breakerFailures: number;
  breakerCoolDownMs: number;
  breakerProbeMs: number;
  /** The relay: invocations at once (serverless.yml, one per part of the shards), its schedule and working time. */
  relayParallelism: number;
  relayScheduleSeconds: number;
  relayWorkSeconds: number;
  /** The relay's share of the PutEvents quota (RELAY_PUT_EVENTS_SHARE_PERCENT), all invocations together. */
  relayPutEventsSharePercent: number;
  /** The catch-up time the PutEvents headroom is sized for. */
  catchUpTargetSeconds: number;
  /** The account's PutEvents quota (calls/s) the relay's headroom is computed from (default: the Region's default). */
  putEventsQuota: number;
  /** Rules that match OrderCompleted (each is one target invocation per event). */
  subscriberRules: number;
  /** The deployed stage's API throttle (serverless.yml throttlingRateLimit), if any. */
  stageThrottleRps: number | undefined;
  outageMinutes: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  dynamodbCallMs: 6,
  eventbridgeCallMs: 20,
  memoryMb: 1024,
  activeAccounts: 1_000,
  authCacheSeconds: 60,
  authReadUnits: 0.5,
  indexWritesPerCompletion: 2,
  pendingShards: 8,
  shardTargetFraction: 0.8,
  publishTimeoutMs: 2_000,
  breakerFailures: 5,
  breakerCoolDownMs: 5_000,
  breakerProbeMs: 500,
  relayParallelism: 8,
  relayScheduleSeconds: 60,
  relayWorkSeconds: 40,
  relayPutEventsSharePercent: 10,
  catchUpTargetSeconds: 300,
  putEventsQuota: QUOTAS.eventBridgePutEvents.limit,
  subscriberRules: 1,
  stageThrottleRps: undefined,
  outageMinutes: 10,
};

export interface Load {
  resource: string;
  load: number;
  limit: number;
  fraction: number;
  unit: string;
  raisable: boolean;
  /** Steady-state limits decide "binds first"; ramp and outage rows are shown apart. */
  kind: 'steady' | 'ramp' | 'outage';
  source: string;
}

export interface CostPerMonth {
  api_gateway: number;
  lambda: number;
  dynamodb_orders: number;
  dynamodb_accounts: number;
  eventbridge: number;
  total: number;
}

export interface CapacityResult {
  rps: number;
  per_completion: Omit<SizeFigures, 'points'>;
  lambda_duration_ms: number;
  concurrency: number;
  auth_reads_per_second: number;
  loads: Load[];
  binds_first: Load;
  /** The first AWS quota to bind (the stage throttle left out: it is this service's own setting). */
  binds_first_aws: Load;
  max_rps_before_first_limit: number;
  shards_needed: number;
  cost_per_month_usd: CostPerMonth;
  cost_per_million_usd: number;
  relay: {
    /** The drain rate after the outage: measured per invocation x invocations, within the PutEvents left over. */
    events_per_second: number;
    backlog_events: number;
    catch_up_seconds: number;
    /** What bounds it: the relay processes, their share of the quota, or the quota's headroom over live traffic. */
    bound: 'relay processes' | 'relay share of the PutEvents quota' | 'PutEvents quota headroom';
    /** PutEvents quota (calls/s) that catches up in catchUpTargetSeconds with live traffic running. */
    put_events_quota_needed: number;
  };
  /** Lambda concurrency during an EventBridge outage, as a multiple of normal. */
  outage_concurrency_ratio: { without_breaker: number; breakers_open: number };
}

/** The mix-weighted figures of one completion. */
export const blend = (sizes: readonly SizeFigures[], mix: ReadonlyMap<number, number>): Omit<SizeFigures, 'points'> => {
  const total = { reads: 0, writes: 0, read_units: 0, write_units: 0, put_events: 0 };
  for (const [points, share] of mix) {
    const size = sizes.find((candidate) => candidate.points === points);
    if (size === undefined) throw new Error(`no bench figures for ${points} points`);
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += share * size[key];
  }
  return total;
};

/**
 * Expected account reads per second: each Lambda environment reads an account at most once per cache TTL, and only
 * if a request of that account reached it in that TTL (requests spread evenly over environments and accounts).
 */
export const authReadsPerSecond = (rps: number, environments: number, accounts: number, ttlSeconds: number): number => {
  if (rps <= 0 || accounts <= 0) return 0;
  const slots = Math.max(1, environments) * accounts;
  return (slots * (1 - Math.exp((-rps * ttlSeconds) / slots))) / ttlSeconds;
};

const row = (
  resource: string,
  quota: QuotaName,
  load: number,
  kind: Load['kind'] = 'steady',
  limit: number = QUOTAS[quota].limit,
): Load => ({
  resource,
  load,
  limit,
  fraction: load / limit,
  unit: QUOTAS[quota].unit,
  raisable: QUOTAS[quota].raisable,
  kind,
  source: QUOTAS[quota].source,
});

const loadsFor = (rps: number, c: Omit<SizeFigures, 'points'>, durationMs: number, a: Assumptions, authRps: number) => {
  const concurrency = (rps * durationMs) / 1000;
  const outageDurationMs = durationMs - c.put_events * a.eventbridgeCallMs + a.publishTimeoutMs;
  const openConcurrency = breakersOpenConcurrency(rps, c, durationMs, a);
  const indexWrites = rps * a.indexWritesPerCompletion;
  const loads: Load[] = [
    row('API Gateway requests (account, Region)', 'apiGatewayAccountRps', rps),
    row('Lambda concurrency (account, Region)', 'lambdaConcurrency', concurrency),
    row('orders table writes', 'dynamodbTableWrites', rps * c.write_units),
    row('orders table reads', 'dynamodbTableReads', rps * c.read_units),
    row('pending-events index writes (whole GSI)', 'dynamodbTableWrites', indexWrites),
    row(`pending-events shard (1 of ${a.pendingShards})`, 'dynamodbPartitionWrites', indexWrites / a.pendingShards),
    row('EventBridge PutEvents (request path)', 'eventBridgePutEvents', rps * c.put_events),
    row('EventBridge rule invocations', 'eventBridgeInvocations', rps * c.put_events * a.subscriberRules),
    row('accounts table reads', 'dynamodbTableReads', authRps * a.authReadUnits),
    // One account sending all the traffic: every environment reads its item once per TTL.
    row(
      'accounts item (one hot account)',
      'dynamodbPartitionReads',
      (Math.min(rps, Math.max(1, concurrency)) / a.authCacheSeconds) * a.authReadUnits,
    ),
    row('Lambda scale-up from zero (per 10 s)', 'lambdaScalingRate', concurrency, 'ramp'),
    row(
      'Lambda concurrency, EventBridge hanging (no breaker)',
      'lambdaConcurrency',
      (rps * outageDurationMs) / 1000,
      'outage',
    ),
    row('Lambda concurrency, EventBridge hanging, breakers open', 'lambdaConcurrency', openConcurrency, 'outage'),
  ];
  if (a.stageThrottleRps !== undefined) {
    loads.unshift({
      ...row('API stage throttle (serverless.yml)', 'apiGatewayAccountRps', rps, 'steady', a.stageThrottleRps),
      unit: 'requests/s, throttlingRateLimit of the stage (serverless.yml params)',
      source: 'serverless.yml',
    });
  }
  return { loads, concurrency };
};

/**
 * Concurrency once every environment's breaker is open: the publish is skipped (no PutEvents wait; the release write
 * takes the clear write's place), plus each environment's probe, at most breakerProbeMs every breakerCoolDownMs (the
 * first cool-down; it doubles while probes fail, so this is the most).
 */
const breakersOpenConcurrency = (rps: number, c: Omit<SizeFigures, 'points'>, durationMs: number, a: Assumptions) => {
  const skippedMs = durationMs - c.put_events * a.eventbridgeCallMs;
  const environments = (rps * skippedMs) / 1000;
  return environments * (1 + a.breakerProbeMs / a.breakerCoolDownMs);
};

/**
 * The relay's drain after an outage: the measured rate of one deployed invocation (its part of the shards, its share
 * of the loops) times the invocations deployed at once (one per part, each in its own Lambda environment; no more
 * than the pending-events shards, since each part's loop drains its own shards), working
 * relayWorkSeconds of each relayScheduleSeconds; never more PutEvents than the relay's share of the quota, nor than
 * the quota leaves over the live completions' own (which go on during the catch-up). 10 events per PutEvents.
 */
const relayDrain = (bench: BenchFigures, rps: number, c: Omit<SizeFigures, 'points'>, a: Assumptions) => {
  const quota = a.putEventsQuota;
  const liveCalls = rps * c.put_events;
  const work = a.relayWorkSeconds / a.relayScheduleSeconds;
  const candidates: [CapacityResult['relay']['bound'], number][] = [
    // A loop drains its own shards one page at a time: invocations past the shard count have nothing to drain.
    ['relay processes', bench.relay_invocation_events_per_s * Math.min(a.relayParallelism, a.pendingShards)],
    ['relay share of the PutEvents quota', ((quota * a.relayPutEventsSharePercent) / 100) * 10],
    ['PutEvents quota headroom', Math.max(0, quota - liveCalls) * 10],
  ];
  const [bound, rate] = candidates.reduce((low, next) => (next[1] < low[1] ? next : low));
  const backlog = rps * a.outageMinutes * 60;
  const eventsPerSecond = rate * work;
  return {
    events_per_second: eventsPerSecond,
    backlog_events: backlog,
    catch_up_seconds: eventsPerSecond > 0 ? backlog / eventsPerSecond : Infinity,
    bound,
    put_events_quota_needed: liveCalls + backlog / a.catchUpTargetSeconds / work / 10,
  };
};

const costsFor = (
  rps: number,
  c: Omit<SizeFigures, 'points'>,
  durationMs: number,
  a: Assumptions,
  authRps: number,
  bench: BenchFigures,
): CostPerMonth => {
  const p = bench.prices;
  const perSecond = {
    api_gateway: rps * EXTRA_PRICES_USD.http_api_request,
    lambda: rps * (p.lambda_request + (durationMs / 1000) * (a.memoryMb / 1024) * p.lambda_gb_second_arm64),
    dynamodb_orders:
      rps *
      (c.read_units * p.dynamodb_read_request_unit +
        (c.write_units + a.indexWritesPerCompletion) * p.dynamodb_write_request_unit),
    dynamodb_accounts: authRps * a.authReadUnits * p.dynamodb_read_request_unit,
    eventbridge: rps * c.put_events * p.eventbridge_event,
  };
  const month = Object.fromEntries(Object.entries(perSecond).map(([k, v]) => [k, v * SECONDS_PER_MONTH])) as Omit<
    CostPerMonth,
    'total'
  >;
  return { ...month, total: Object.values(month).reduce((sum, v) => sum + v, 0) };
};

export const capacityModel = (
  bench: BenchFigures,
  rps: number,
  mix: ReadonlyMap<number, number>,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): CapacityResult => {
  const a = assumptions;
  const c = blend(bench.sizes, mix);
  const durationMs = bench.cpu_ms + (c.reads + c.writes) * a.dynamodbCallMs + c.put_events * a.eventbridgeCallMs;
  const environments = (rps * durationMs) / 1000;
  const authRps = authReadsPerSecond(rps, environments, a.activeAccounts, a.authCacheSeconds);
  const { loads, concurrency } = loadsFor(rps, c, durationMs, a, authRps);
  const steady = loads.filter((load) => load.kind === 'steady');
  const worstOf = (candidates: Load[]) =>
    candidates.reduce((worst, load) => (load.fraction > worst.fraction ? load : worst));
  const bindsFirst = worstOf(steady);
  const bindsFirstAws = worstOf(steady.filter((load) => load.source !== 'serverless.yml'));
  const cost = costsFor(rps, c, durationMs, a, authRps, bench);

  const outageWithout = loads.find((load) => load.resource.startsWith('Lambda concurrency, EventBridge hanging ('));
  const outageOpen = loads.find((load) => load.resource.endsWith('breakers open'));
  return {
    rps,
    per_completion: c,
    lambda_duration_ms: durationMs,
    concurrency,
    auth_reads_per_second: authRps,
    loads,
    binds_first: bindsFirst,
    binds_first_aws: bindsFirstAws,
    max_rps_before_first_limit: rps / bindsFirstAws.fraction,
    shards_needed: Math.max(
      1,
      Math.ceil((rps * a.indexWritesPerCompletion) / (QUOTAS.dynamodbPartitionWrites.limit * a.shardTargetFraction)),
    ),
    cost_per_month_usd: cost,
    cost_per_million_usd: rps > 0 ? (cost.total / (rps * SECONDS_PER_MONTH)) * 1e6 : 0,
    relay: relayDrain(bench, rps, c, a),
    outage_concurrency_ratio: {
      without_breaker: concurrency > 0 ? (outageWithout?.load ?? 0) / concurrency : 0,
      breakers_open: concurrency > 0 ? (outageOpen?.load ?? 0) / concurrency : 0,
    },
  };
};
