import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { BenchContext } from '../context';
import { log } from '../context';
import { SIDES, type Side } from '../results';
import { percentileRatio, type Round } from '../stats';
import { cpuProfileArgs } from '../workers';

/** Fresh processes per side, alternating order, until the cold ratios' standard errors are small enough. */
export interface ColdRun {
  total: Round<Side>[];
  init: Round<Side>[];
  rss: Round<Side>[];
  /** Bytes of the side's build output its process loaded by the end of its first request. */
  loadedBytes: Record<Side, number>;
}

export interface ColdResult {
  status: number;
  since_process_start_ms: number;
  load_ms: number;
  first_request_ms: number;
  max_rss_kb: number;
  loaded_files?: string[];
}

/** One fresh process of a side: load, first request. `extraEnv` goes on top of the side's Lambda environment. */
export const coldStart = async (
  ctx: BenchContext,
  side: Side,
  tag: string,
  trackLoaded = false,
  extraEnv: Record<string, string> = {},
): Promise<ColdResult> => {
  const [handle] = ctx.newHandles(side, 1, 'cold');
  await ctx.seed([handle as string], 10);
  const resultFile = join(ctx.workDir, `cold-${side}-${tag}.json`);
  const logFd = openSync(ctx.logFile(`${side}-cold`), 'a');
  // With BENCH_CPU_PROF, each cold start (init and first request) is profiled too, per side.
  const child = spawn(process.execPath, [...cpuProfileArgs(`cold-${side}`), ctx.bundles.coldRunner], {
    env: {
      ...ctx.env(side),
      BENCH_BUNDLE: ctx.bundleOf(side).file,
      BENCH_EVENT: JSON.stringify(ctx.eventsFor([handle as string])[0]),
      BENCH_RESULT_FILE: resultFile,
      ...(trackLoaded ? { BENCH_TRACK_LOADED: '1' } : {}),
      ...extraEnv,
    },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`${side} cold start exited with ${code}; see ${ctx.workDir}/logs`);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ColdResult;
  if (result.status !== 200) throw new Error(`${side} cold start answered ${result.status}`);
  return result;
};

/**
 * Bytes parsed at init on the default path: the build output files (not source maps) the process loaded by the
 * end of its first request. One file for today's CommonJS bundle; the entry and the chunks it imported for an
 * ES module build with splitting.
 */
const loadedBytes = (ctx: BenchContext, side: Side, files: readonly string[]): number => {
  const outDir = dirname(ctx.bundleOf(side).file);
  return files
    .filter((file) => !relative(outDir, file).startsWith('..') && !file.endsWith('.map'))
    .reduce((sum, file) => sum + statSync(file).size, 0);
};

export const worstColdSe = (total: readonly Round<Side>[]): number =>
  Math.max(...(['subject', 'alternate'] as const).map((side) => percentileRatio(total, side, 'baseline', 50).se));

export const runCold = async (ctx: BenchContext): Promise<ColdRun> => {
  const { cold, maxCold, se } = ctx.options;
  log(`cold: ${cold} to ${maxCold} fresh processes per side`);
  const run: ColdRun = { total: [], init: [], rss: [], loadedBytes: { subject: 0, alternate: 0, baseline: 0 } };
  for (const side of SIDES) {
    const result = await coldStart(ctx, side, 'loaded', true);
    run.loadedBytes[side] = loadedBytes(ctx, side, result.loaded_files ?? []);
  }
  for (let i = 0; i < maxCold; i += 1) {
    const total = {} as Record<Side, number[]>;
    const init = {} as Record<Side, number[]>;
    const rss = {} as Record<Side, number[]>;
    for (const side of i % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const result = await coldStart(ctx, side, String(i));
      total[side] = [result.since_process_start_ms];
      init[side] = [result.load_ms + result.first_request_ms];
      rss[side] = [result.max_rss_kb];
    }
    run.total.push(total);
    run.init.push(init);
    run.rss.push(rss);
    ctx.fakes.dynamodb.clear(ctx.table);
    if (i + 1 >= cold && (i + 1) % 10 === 0) {
      const worst = worstColdSe(run.total);
      log(`cold: ${i + 1} per side, largest ratio SE ${worst.toFixed(4)}`);
      if (worst < se) break;
    }
  }
  return run;
};
