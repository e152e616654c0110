/**
 * npm run bench: the deployable bundle in the deployed default profile (and the other tracing profile) against its
 * bare-SDK baseline, in one run (see BENCHMARKS.md). Phases: bench/phases/{warm,cold,overhead,cost}.ts.
 *   npm run bench                          full run, writes bench/results.json
 *   npm run bench -- --n 400 --cold 5 ...  smaller runs (bench/options.ts); --out moves the results file
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createContext, log } from './context';
import { parseBenchArgs, withDefaults, type BenchOptions } from './options';
import { runCold } from './phases/cold';
import { runCost } from './phases/cost';
import { runOverhead } from './phases/overhead';
import { runWarm } from './phases/warm';
import type { BenchResults } from './results';
import { summarize } from './summary';
import { printTable } from './table';

export type { BenchResults } from './results';

export const runBench = async (partial: Partial<BenchOptions> = {}): Promise<BenchResults> => {
  const options = withDefaults(partial);
  const loadAtStart = loadavg();
  const ctx = await createContext(options);
  try {
    const warm = await runWarm(ctx);
    const cold = await runCold(ctx);
    const overhead = await runOverhead(ctx);
    const cost = await runCost(ctx);
    const results = summarize(ctx, { warm, cold, overhead, cost, loadAtStart });
    const out = resolve(ctx.root, options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    if (options.print) printTable(results);
    log(`results written to ${out}`);
    return results;
  } finally {
    await ctx.stop();
  }
};

if (require.main === module) {
  runBench(parseBenchArgs(process.argv.slice(2))).catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
