import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RunResult, WorkerRequest } from './worker';

/**
 * BENCH_CPU_PROF=<dir>: node's flags that make a bench process (a warm worker, a cold start) write a V8 CPU profile
 * into <dir>/<subdir> (open it in Chrome DevTools); none when it is unset.
 */
export const cpuProfileArgs = (subdir = '.'): string[] => {
  const dir = process.env.BENCH_CPU_PROF;
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(dir, subdir)];
};

/** A warm Lambda environment (bench/worker.ts in a forked process) that runs batches of requests on demand. */
export interface Worker {
  child: ChildProcess;
  load_ms: number;
  run(events: APIGatewayProxyEventV2[], concurrency: number): Promise<RunResult>;
  stop(): Promise<void>;
}

export const startWorker = async (
  script: string,
  bundle: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Worker> => {
  const log = openSync(logFile, 'a');
  const child = fork(script, [], {
    env: { ...env, BENCH_BUNDLE: bundle },
    stdio: ['ignore', log, log, 'ipc'],
    execArgv: cpuProfileArgs(),
  });
  closeSync(log);
  let nextId = 0;
  const pending = new Map<number, { resolve: (result: RunResult) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined;
  // A worker that dies (a handler crash, an out-of-memory kill) fails the runs it owed, never leaves them waiting.
  child.once('exit', (code, signal) => {
    exited = new Error(`bench worker exited (${code ?? signal}); see ${logFile}`);
    for (const run of pending.values()) run.reject(exited);
    pending.clear();
  });
  const load_ms = await new Promise<number>((resolveReady, reject) => {
    child.once('exit', () => reject(exited ?? new Error(`bench worker exited before it was ready; see ${logFile}`)));
    child.on('message', (message: { type: 'ready'; load_ms: number } | RunResult) => {
      if (message.type === 'ready') resolveReady(message.load_ms);
      else {
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
      }
    });
  });
  return {
    child,
    load_ms,
    run: (events, concurrency) =>
      new Promise((resolveRun, rejectRun) => {
        if (exited !== undefined) return rejectRun(exited);
        const id = nextId++;
        pending.set(id, { resolve: resolveRun, reject: rejectRun });
        child.send({ type: 'run', id, events, concurrency } satisfies WorkerRequest);
      }),
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.send({ type: 'exit' } satisfies WorkerRequest);
      }),
  };
};

/** Every request answered 200 with a completed order, or the run stops: a figure of failures is no figure. */
export const checkAnswers = (side: string, result: RunResult): void => {
  const bad = result.statuses.filter((status) => status !== 200);
  if (bad.length > 0) throw new Error(`${side}: ${bad.length} requests did not answer 200 (e.g. ${bad[0]})`);
  const order = JSON.parse(result.first_body) as { status?: string };
  if (order.status !== 'completed') throw new Error(`${side}: the answer is not a completed order`);
};
