import type { BenchContext } from '../context';
import { log } from '../context';
import { SIDES, type Side } from '../results';
import { percentileRatio, type Round } from '../stats';
import { checkAnswers, startWorker, type Worker } from '../workers';

/** Warm Lambdas, one per side, fed interleaved rounds of sequential completions, then concurrent ones. */
export interface ConcurrentSamples {
  latencies: number[];
  cpu: number[];
  wall: number;
  count: number;
}

export interface WarmRun {
  latency: Round<Side>[];
  cpu: Round<Side>[];
  concurrent: Record<Side, ConcurrentSamples>;
  /** Segment documents the stand-in X-Ray daemon received during each side's requests. */
  xraySegments: Record<Side, number>;
}

const PERMUTATIONS: Side[][] = [
  ['subject', 'alternate', 'baseline'],
  ['baseline', 'alternate', 'subject'],
  ['alternate', 'baseline', 'subject'],
  ['subject', 'baseline', 'alternate'],
  ['baseline', 'subject', 'alternate'],
  ['alternate', 'subject', 'baseline'],
];
/** How many completions per side between two checks of the standard errors (a bootstrap takes a moment). */
const SAMPLES_BETWEEN_CHECKS = 1000;

const emptyRecord = <T>(make: () => T): Record<Side, T> =>
  Object.fromEntries(SIDES.map((side) => [side, make()])) as Record<Side, T>;

/** The largest standard error of the warm ratios (p50 and p99, both profiles against the baseline). */
export const worstWarmSe = (latency: readonly Round<Side>[]): number =>
  Math.max(
    ...(['subject', 'alternate'] as const).flatMap((side) =>
      [50, 99].map((p) => percentileRatio(latency, side, 'baseline', p).se),
    ),
  );

const completeBatch = async (
  ctx: BenchContext,
  worker: Worker,
  side: Side,
  count: number,
  tag: string,
  concurrency = 1,
) => {
  const handles = ctx.newHandles(side, count, tag);
  await ctx.seed(handles, 10);
  const segmentsBefore = ctx.fakes.xray.segments;
  const result = await worker.run(ctx.eventsFor(handles), concurrency);
  checkAnswers(side, result);
  return { result, segments: ctx.fakes.xray.segments - segmentsBefore };
};

/** Every completed order's outbox marker was cleared: both sides did the whole completion, clearing write included. */
const checkCleared = (ctx: BenchContext): void => {
  for (const item of ctx.fakes.dynamodb.items(ctx.table)) {
    if (item.pending_event !== undefined) throw new Error(`an order was left pending: ${JSON.stringify(item.pk)}`);
  }
  ctx.fakes.dynamodb.clear(ctx.table);
};

const sequentialRounds = async (ctx: BenchContext, workers: Record<Side, Worker>, run: WarmRun): Promise<void> => {
  const { n, maxN, block, se } = ctx.options;
  for (let round = 0, done = 0; done < maxN; round += 1, done += block) {
    const latency = emptyRecord<number[]>(() => []);
    const cpu = emptyRecord<number[]>(() => []);
    for (const side of PERMUTATIONS[round % PERMUTATIONS.length] as Side[]) {
      const { result, segments } = await completeBatch(ctx, workers[side], side, block, 'seq');
      latency[side] = result.latencies_ms;
      cpu[side] = result.cpu_us;
      run.xraySegments[side] += segments;
    }
    run.latency.push(latency);
    run.cpu.push(cpu);
    checkCleared(ctx);
    const measured = done + block;
    if (measured >= n && (measured % SAMPLES_BETWEEN_CHECKS < block || measured >= maxN)) {
      const worst = worstWarmSe(run.latency);
      log(`warm: ${measured} per side, largest ratio SE ${worst.toFixed(4)}`);
      if (worst < se) return;
    }
  }
};

const concurrentRounds = async (ctx: BenchContext, workers: Record<Side, Worker>, run: WarmRun): Promise<void> => {
  const { concurrentRequests, c } = ctx.options;
  const block = Math.max(c, Math.ceil(concurrentRequests / 4));
  for (let start = 0, round = 0; start < concurrentRequests; start += block, round += 1) {
    for (const side of PERMUTATIONS[round % PERMUTATIONS.length] as Side[]) {
      const count = Math.min(block, concurrentRequests - start);
      const { result, segments } = await completeBatch(ctx, workers[side], side, count, 'con', c);
      const samples = run.concurrent[side];
      samples.latencies.push(...result.latencies_ms);
      samples.cpu.push(...result.cpu_us);
      samples.wall += result.wall_ms;
      samples.count += count;
      run.xraySegments[side] += segments;
    }
    checkCleared(ctx);
  }
};

export const runWarm = async (ctx: BenchContext): Promise<WarmRun> => {
  const { warmup, n, maxN, concurrentRequests, c } = ctx.options;
  log(`warm: ${warmup} warm-up, ${n} to ${maxN} sequential, ${concurrentRequests} at concurrency ${c}, per side`);
  const workers = {} as Record<Side, Worker>;
  try {
    for (const side of SIDES) {
      workers[side] = await startWorker(
        ctx.bundles.worker,
        ctx.bundleOf(side).file,
        ctx.env(side),
        ctx.logFile(`${side}-warm`),
      );
    }
    for (const side of SIDES) if (warmup > 0) await completeBatch(ctx, workers[side], side, warmup, 'warmup');
    checkCleared(ctx);
    const run: WarmRun = {
      latency: [],
      cpu: [],
      concurrent: emptyRecord(() => ({ latencies: [], cpu: [], wall: 0, count: 0 })),
      xraySegments: emptyRecord(() => 0),
    };
    await sequentialRounds(ctx, workers, run);
    await concurrentRounds(ctx, workers, run);
    return run;
  } finally {
    await Promise.all(Object.values(workers).map((worker) => worker.stop().catch(() => undefined)));
  }
};
