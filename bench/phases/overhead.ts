import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { BenchContext } from '../context';
import { log } from '../context';

/** The handler chain's own CPU with in-memory ports (bench/handler-overhead.ts), deployed default environment. */
export interface OverheadRun {
  cpu_us_mean: number;
  cpu_us_p50: number;
}

export const runOverhead = async (ctx: BenchContext): Promise<OverheadRun> => {
  log(`handler CPU without the SDK: ${ctx.options.overheadIterations} requests`);
  const logFd = openSync(ctx.logFile('handler-overhead'), 'a');
  const child = spawn(process.execPath, [ctx.bundles.overhead], {
    env: { ...ctx.env('subject'), BENCH_ITERATIONS: String(ctx.options.overheadIterations) },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const line = stderr.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`handler overhead run failed (${code}): ${stderr}`);
  return JSON.parse(line) as OverheadRun;
};
