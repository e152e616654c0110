/**
 * `npm run capacity -- --rps N [--mix small=0.8,large=0.2]`: the capacity model (docs/capacity.md). Reads the
 * per-completion figures from bench/results.json, prints the load on each AWS limit, which binds first, the
 * pending-events shards needed, the cost, and the relay's catch-up after an EventBridge outage.
 */
// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PENDING_SHARDS } from '../adapters/dynamodb/keys';
import { MissingBenchKey, parseMix, readBenchFigures, SHAPES, type Shape } from './capacity/bench-figures';
import { capacityModel, DEFAULT_ASSUMPTIONS, type Assumptions } from './capacity/model';
import { markdownHeader, markdownRow, textReport } from './capacity/report';

const root = resolve(__dirname, '..');
const USAGE = `usage: npm run capacity -- --rps N[,N...] [--mix small=0.8,large=0.2] [--shape handle_only|latest_attempt|exact]
  [--accounts N] [--outage-minutes N] [--shards N] [--stage prod|dev|none] [--results FILE] [--json|--markdown]
  sizes: small = 10 polyline points, large = 1000, or any point count bench/results.json has`;

/** The stage's API throttle from serverless.yml's params (the model shows it as a limit of its own). */
const stageThrottle = (stage: string): number | undefined => {
  if (stage === 'none') return undefined;
  const yml = readFileSync(resolve(root, 'serverless.yml'), 'utf8');
  const block = new RegExp(`\\n {2}${stage}:\\n((?: {4}.*\\n)+)`).exec(yml)?.[1] ?? '';
  const own = /throttlingRateLimit:\s*(\d+)/.exec(block)?.[1];
  const fallback = /\n {2}default:\n(?: {4}.*\n)*? {4}throttlingRateLimit:\s*(\d+)/.exec(yml)?.[1];
  const value = own ?? fallback;
  return value === undefined ? undefined : Number(value);
};

const positiveInts = (text: string, name: string): number[] =>
  text.split(',').map((part) => {
    const value = Number(part);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`bad --${name} "${part}": expected a positive number`);
    return value;
  });

const main = (): number => {
  const { values } = parseArgs({
    options: {
      rps: { type: 'string' },
      mix: { type: 'string', default: 'small=1' },
      shape: { type: 'string', default: 'handle_only' },
      accounts: { type: 'string' },
      'outage-minutes': { type: 'string' },
      shards: { type: 'string' },
      stage: { type: 'string', default: 'prod' },
      results: { type: 'string', default: resolve(root, 'bench', 'results.json') },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
    },
  });
  if (values.rps === undefined) throw new Error('--rps is required');
  if (!(SHAPES as readonly string[]).includes(values.shape))
    throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
  const bench = readBenchFigures(JSON.parse(readFileSync(values.results, 'utf8')), values.shape as Shape);
  const mix = parseMix(values.mix, bench.sizes);
  const assumptions: Assumptions = {
    ...DEFAULT_ASSUMPTIONS,
    authReadUnits: bench.auth_read_units,
    pendingShards:
      values.shards === undefined ? DEFAULT_PENDING_SHARDS : (positiveInts(values.shards, 'shards')[0] as number),
    stageThrottleRps: stageThrottle(values.stage),
    ...(values.accounts === undefined
      ? {}
      : { activeAccounts: positiveInts(values.accounts, 'accounts')[0] as number }),
    ...(values['outage-minutes'] === undefined
      ? {}
      : { outageMinutes: positiveInts(values['outage-minutes'], 'outage-minutes')[0] as number }),
  };
  const mixLabel = [...mix].map(([points, share]) => `${points}=${share}`).join(',');
  const results = positiveInts(values.rps, 'rps').map((rps) => capacityModel(bench, rps, mix, assumptions));
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ bench_generated_at: bench.generated_at, assumptions, results }, null, 2)}\n`,
    );
  } else if (values.markdown) {
    process.stdout.write(`${markdownHeader}\n${results.map((r) => markdownRow(r, mixLabel)).join('\n')}\n`);
  } else {
    process.stdout.write(
      `figures: bench/results.json of ${bench.generated_at ?? 'unknown date'}, shape ${values.shape}\n`,
    );
    for (const result of results) process.stdout.write(`\n${textReport(result, mixLabel, assumptions)}\n`);
  }
  return 0;
};

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof MissingBenchKey) console.error(error.message);
  else console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exitCode = error instanceof MissingBenchKey ? 1 : 2;
}
