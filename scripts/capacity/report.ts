import type { CapacityResult, Load } from './model';

/** Text and markdown renderings of capacity results (scripts/capacity.ts prints them). */

const num = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (fraction: number): string => `${num(fraction * 100, fraction < 0.1 ? 2 : 1)}%`;
const usd = (value: number): string => `$${num(value, value < 100 ? 2 : 0)}`;
const duration = (seconds: number): string =>
  !Number.isFinite(seconds)
    ? 'never (no PutEvents headroom)'
    : seconds < 120
      ? `${num(seconds)} s`
      : seconds < 7_200
        ? `${num(seconds / 60, 1)} min`
        : `${num(seconds / 3600, 1)} h`;

const loadLine = (load: Load): string =>
  `  ${load.resource.padEnd(42)} ${num(load.load, load.load < 10 ? 2 : 0).padStart(10)} / ${num(load.limit).padEnd(7)} ${pct(load.fraction).padStart(8)}  ${load.raisable ? 'raisable' : 'fixed   '}  ${load.unit}`;

export const textReport = (
  result: CapacityResult,
  mixLabel: string,
  assumptions: { outageMinutes: number },
): string => {
  const c = result.per_completion;
  const lines = [
    `${num(result.rps)} completions/s, mix ${mixLabel}`,
    `  per completion: ${num(c.reads, 2)} reads, ${num(c.writes, 2)} writes, ${num(c.read_units, 1)} RRU, ${num(c.write_units, 1)} WRU, ${num(c.put_events, 2)} PutEvents; Lambda ~${num(result.lambda_duration_ms, 1)} ms; ${num(result.concurrency, 1)} concurrent; ${num(result.auth_reads_per_second, 1)} account reads/s`,
    '  load on each limit (load / limit, fraction):',
    ...result.loads.filter((load) => load.kind === 'steady').map(loadLine),
    '  ramp and outage (not steady state):',
    ...result.loads.filter((load) => load.kind !== 'steady').map(loadLine),
    `  binds first: ${result.binds_first.resource} at ${pct(result.binds_first.fraction)}`,
    `  first AWS quota: ${result.binds_first_aws.resource} at ${pct(result.binds_first_aws.fraction)} (${result.binds_first_aws.raisable ? 'raisable' : 'fixed'}; this mix reaches it at ~${num(result.max_rps_before_first_limit)} completions/s)`,
    `  pending-events shards needed: ${result.shards_needed}`,
    `  cost: ${usd(result.cost_per_million_usd)} per million completions; ${usd(result.cost_per_month_usd.total)} per 30-day month (API Gateway ${usd(result.cost_per_month_usd.api_gateway)}, Lambda ${usd(result.cost_per_month_usd.lambda)}, DynamoDB orders ${usd(result.cost_per_month_usd.dynamodb_orders)}, accounts ${usd(result.cost_per_month_usd.dynamodb_accounts)}, EventBridge ${usd(result.cost_per_month_usd.eventbridge)})`,
    `  EventBridge outage: Lambda concurrency ${num(result.outage_concurrency_ratio.without_breaker, 1)}x normal without the circuit breaker, ${num(result.outage_concurrency_ratio.breakers_open, 2)}x once the breakers are open`,
    `  relay after a ${assumptions.outageMinutes}-minute EventBridge outage: ${num(result.relay.backlog_events)} events pending, relayed at ~${num(result.relay.events_per_second)}/s (bound: ${result.relay.bound}): caught up after ${duration(result.relay.catch_up_seconds)}; a 5-minute catch-up needs a PutEvents quota of ${num(result.relay.put_events_quota_needed)}/s`,
  ];
  return lines.join('\n');
};

export const markdownHeader = [
  '| completions/s | points | binds first | first AWS quota (load / limit) | then | shards needed | $ per million | $ per month | outage concurrency, breakers open | relay catch-up, 10 min outage | PutEvents quota for a 5 min catch-up |',
  '| ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
].join('\n');

export const markdownRow = (result: CapacityResult, mixLabel: string): string => {
  const aws = result.loads
    .filter((load) => load.kind === 'steady' && load.source !== 'serverless.yml')
    .sort((x, y) => y.fraction - x.fraction);
  const next = aws[1];
  const cell = (load: Load) => `${load.resource} (${pct(load.fraction)})`;
  return `| ${num(result.rps)} | ${mixLabel} | ${cell(result.binds_first)} | ${cell(result.binds_first_aws)} | ${next === undefined ? '' : cell(next)} | ${result.shards_needed} | ${usd(result.cost_per_million_usd)} | ${usd(result.cost_per_month_usd.total)} | ${num(result.outage_concurrency_ratio.breakers_open, 2)}x | ${duration(result.relay.catch_up_seconds)} | ${num(result.relay.put_events_quota_needed)}/s |`;
};
