import { seedLocalAccounts } from '../../scripts/local/accounts';
import { ensureOrdersTable, localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local';
import { startDynamoDbMeter, type MeteredCall } from '../../scripts/local/fakes/dynamodb-meter';
import { freePort } from '../../scripts/local/fakes/free-port';
import type { BenchContext } from '../context';
import { log } from '../context';
import { type Selector } from '../events';
import { benchOrder } from '../orders';
import type { AuthMiss, CompletionCost, Shape, SizeCost, SizeTiming } from '../results';
import { median, meanDifference, percentileRatio, round, type Round } from '../stats';
import { checkAnswers, startWorker, type Worker } from '../workers';

/**
 * Calls and capacity units per completion, on DynamoDB Local behind a metering proxy (the one run on the real
 * engine: its capacity units are DynamoDB's rules, which the fast fake does not model).
 */
export const PRICES = {
  dynamodb_write_request_unit: 0.625 / 1e6,
  dynamodb_read_request_unit: 0.125 / 1e6,
  eventbridge_event: 1.0 / 1e6,
  lambda_request: 0.2 / 1e6,
  lambda_gb_second_arm64: 0.0000133334,
};

export const SHAPES: Record<Shape, Selector> = {
  exact: { type: 'drop', type_index: 0, fulfillment_attempt: 0 },
  latest_attempt: { type: 'drop', type_index: 0 },
  handle_only: {},
};

const READS = ['Query', 'GetItem', 'Scan', 'BatchGetItem'];
const WRITES = ['UpdateItem', 'PutItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];

const costOf = (calls: MeteredCall[], putEvents: number): CompletionCost => {
  const reads = calls.filter((call) => READS.includes(call.operation));
  const writes = calls.filter((call) => WRITES.includes(call.operation));
  const readUnits = reads.reduce((sum, call) => sum + call.read_units, 0);
  const writeUnits = writes.reduce((sum, call) => sum + call.write_units, 0);
  const dollars =
    readUnits * PRICES.dynamodb_read_request_unit +
    writeUnits * PRICES.dynamodb_write_request_unit +
    putEvents * PRICES.eventbridge_event;
  return {
    reads: reads.length,
    writes: writes.length,
    put_events: putEvents,
    read_units: round(readUnits, 2),
    write_units: round(writeUnits, 2),
    operations: calls.map((call) => call.operation),
    cost_per_million_usd: round(1e6 * dollars, 4),
  };
};

type CostSide = 'subject' | 'baseline';
const COST_SIDES = ['subject', 'baseline'] as const;

/**
 * Latency and CPU per plain POST of one size: `samples` orders per side, seeded first, then completed one at a time,
 * subject and baseline alternated (each pair is a bootstrap round, so drift stays paired).
 */
const sizeTiming = async (
  ctx: BenchContext,
  workers: Record<CostSide, Worker>,
  endpoint: string,
  points: number,
): Promise<NonNullable<SizeCost['timing']>> => {
  const samples = Math.max(1, ctx.options.sizeSamples);
  const handles = {} as Record<CostSide, string[]>;
  for (const side of COST_SIDES) {
    handles[side] = ctx.newHandles(side, samples, `time${points}`);
    await ctx.seed(handles[side], points, endpoint);
  }
  const latency: Round<CostSide>[] = [];
  const cpu: Round<CostSide>[] = [];
  for (let i = 0; i < samples; i += 1) {
    const round_ = { latency: {} as Round<CostSide>, cpu: {} as Round<CostSide> };
    // Alternate which side goes first, so neither always runs on a cache the other warmed.
    for (const side of i % 2 === 0 ? COST_SIDES : ([...COST_SIDES].reverse() as CostSide[])) {
      const result = await workers[side].run(ctx.eventsFor([handles[side][i] as string], SHAPES.handle_only), 1);
      checkAnswers(side, result);
      round_.latency[side] = result.latencies_ms;
      round_.cpu[side] = result.cpu_us;
    }
    latency.push(round_.latency);
    cpu.push(round_.cpu);
  }
  const figures = (side: CostSide): SizeTiming => ({
    p50_ms: round(median(latency.flatMap((r) => r[side])), 2),
    cpu_us_p50: round(median(cpu.flatMap((r) => r[side])), 0),
  });
  const ratio = percentileRatio(latency, 'subject', 'baseline', 50);
  const overhead = meanDifference(cpu, 'subject', 'baseline');
  return {
    samples,
    subject: figures('subject'),
    baseline: figures('baseline'),
    p50_ratio: round(ratio.value),
    p50_ratio_se: round(ratio.se),
    cpu_overhead_us: round(overhead.value, 0),
    cpu_overhead_us_se: round(overhead.se, 0),
  };
};

const sizeCost = async (
  ctx: BenchContext,
  workers: Record<CostSide, Worker>,
  meter: { endpoint: string; calls: MeteredCall[] },
  points: number,
): Promise<SizeCost> => {
  const itemJsonBytes = Buffer.byteLength(JSON.stringify(benchOrder('local-account', 'x', points)));
  const entry: SizeCost = { points, item_json_bytes: itemJsonBytes, storable: true };
  const eventBridge = ctx.fakes.eventBridge;
  try {
    for (const side of COST_SIDES) {
      const costs = {} as Record<Shape, CompletionCost>;
      for (const [shape, selector] of Object.entries(SHAPES) as [Shape, Selector][]) {
        const handles = ctx.newHandles(side, 1, `cost${points}`);
        await ctx.seed(handles, points, meter.endpoint);
        const callsBefore = meter.calls.length;
        const entriesBefore = eventBridge.entryCount();
        const result = await workers[side].run(ctx.eventsFor(handles, selector), 1);
        checkAnswers(side, result);
        costs[shape] = costOf(meter.calls.slice(callsBefore), eventBridge.entryCount() - entriesBefore);
        if (side === 'subject' && shape === 'handle_only') entry.answer_bytes = result.answer_bytes;
      }
      entry[side] = costs;
    }
    entry.timing = await sizeTiming(ctx, workers, meter.endpoint, points);
  } catch (error) {
    if (!(error instanceof Error && /item size/i.test(error.message))) throw error;
    entry.storable = false;
    entry.note = `cannot be stored: a DynamoDB item is at most 400 KB (${error.name}: ${error.message})`;
  }
  return entry;
};

/** One completion of the exact record (itself 0 reads) on a cold cache: every read it makes is the auth read. */
const authMiss = async (
  ctx: BenchContext,
  worker: Worker,
  side: CostSide,
  meter: { endpoint: string; calls: MeteredCall[] },
): Promise<AuthMiss> => {
  const handles = ctx.newHandles(side, 1, 'auth');
  await ctx.seed(handles, 10, meter.endpoint);
  const callsBefore = meter.calls.length;
  checkAnswers(side, await worker.run(ctx.eventsFor(handles, SHAPES.exact), 1));
  const reads = meter.calls.slice(callsBefore).filter((call) => READS.includes(call.operation));
  return { reads: reads.length, read_units: reads.reduce((sum, call) => sum + call.read_units, 0) };
};

export interface CostFigures {
  bySize: SizeCost[];
  authMiss: Record<CostSide, AuthMiss>;
}

export const runCost = async (ctx: BenchContext): Promise<CostFigures> => {
  log(`cost: DynamoDB Local; calls and capacity units per completion, ${ctx.options.sizes.join(', ')} points`);
  const dynamodb = await startDynamoDbLocal({ port: await freePort(), region: 'us-east-1' });
  const meter = await startDynamoDbMeter(dynamodb.endpoint);
  const workers = {} as Record<CostSide, Worker>;
  try {
    const admin = localClient(dynamodb.endpoint, 'us-east-1');
    await ensureOrdersTable(admin, ctx.table);
    await seedLocalAccounts(admin, ctx.accountsTable);
    admin.destroy();
    for (const side of COST_SIDES) {
      workers[side] = await startWorker(
        ctx.bundles.worker,
        ctx.bundleOf(side).file,
        ctx.env(side, { dynamodb: meter.endpoint }),
        ctx.logFile(`${side}-cost`),
      );
    }
    // Each worker's first request misses the credential cache; measured apart, so per-completion figures stay exact.
    const misses = {} as Record<CostSide, AuthMiss>;
    for (const side of COST_SIDES) misses[side] = await authMiss(ctx, workers[side], side, meter);
    log(`cost: a credential-cache miss reads ${misses.subject.reads} item(s), ${misses.subject.read_units} RRU`);
    const bySize: SizeCost[] = [];
    for (const points of ctx.options.sizes) {
      const started = Date.now();
      const size = await sizeCost(ctx, workers, meter, points);
      bySize.push(size);
      const timing = size.timing;
      log(
        `cost: ${points} points: ${size.storable ? `${size.subject?.handle_only.write_units} WRU, ${size.subject?.handle_only.read_units} RRU (plain POST)` : 'cannot be stored'}` +
          (timing === undefined
            ? ''
            : `; p50 ${timing.subject.p50_ms} ms vs ${timing.baseline.p50_ms} ms (ratio ${timing.p50_ratio} ± ${timing.p50_ratio_se})`) +
          `; ${Math.round((Date.now() - started) / 1000)} s`,
      );
    }
    return { bySize, authMiss: misses };
  } finally {
    await Promise.all(Object.values(workers).map((worker) => worker.stop().catch(() => undefined)));
    await meter.stop();
    await dynamodb.stop();
  }
};
