/**
 * npm run bench: the deployable bundle against its bare-SDK baseline, in one run (see BENCHMARKS.md).
 *   npm run bench                          full run, writes bench/results.json
 *   npm run bench -- --n 20 --cold 2 ...   smaller runs (options below); --out moves the results file
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDocumentClient } from '../adapters/aws-clients';
import { DynamoDbOrderStore } from '../adapters/dynamodb/order-store';
import { seedLocalAccounts } from '../scripts/local/accounts';
import { ensureOrdersTable, localClient, startDynamoDbLocal } from '../scripts/local/dynamodb-local';
import { freePort } from '../test/support/free-port';
import { buildBundles, type Bundle } from './build';
import { apiEvent, type Selector } from './events';
import { FakeEventBridge } from '../test/support/fake-aws';
import { startDynamoDbMeter, type MeteredCall } from './local-endpoints';
import { benchOrder } from './orders';
import type { RunResult, WorkerRequest } from './worker';

export interface BenchOptions {
  /** Sequential completions per target (after warm-up). */
  n: number;
  /** Concurrent completions per target, and how many are in flight at once. */
  concurrentRequests: number;
  c: number;
  /** Warm-up completions per target, not measured. */
  warmup: number;
  /** Cold starts per target (the median is reported). */
  cold: number;
  /** Polyline and timeline lengths for the cost-by-size figures. */
  sizes: number[];
  /** Requests for the handler's own CPU (in-memory ports, no SDK). */
  overheadIterations: number;
  /** Print the table on stdout. */
  print: boolean;
  out: string;
  workDir: string;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  n: 2000,
  concurrentRequests: 1000,
  c: 16,
  warmup: 200,
  cold: 15,
  sizes: [10, 1000, 2500, 50000],
  overheadIterations: 5000,
  print: true,
  out: 'bench/results.json',
  workDir: '.local/bench',
};

const ACCOUNT = 'local-account';
const SECRET = 'local-secret';
const REGION = 'us-east-1';
const TABLE = 'orders-bench';
/** local-account / local-secret, as `npm start` seeds them. */
const ACCOUNTS_TABLE = 'accounts-bench';
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
/** On-demand prices, us-east-1 (USD): DynamoDB per request unit, EventBridge per 64 KB event, Lambda arm64. */
const PRICES = {
  dynamodb_write_request_unit: 0.625 / 1e6,
  dynamodb_read_request_unit: 0.125 / 1e6,
  eventbridge_event: 1.0 / 1e6,
  lambda_request: 0.2 / 1e6,
  lambda_gb_second_arm64: 0.0000133334,
};

type Target = 'subject' | 'baseline';
const TARGETS: Target[] = ['subject', 'baseline'];
type Shape = 'exact' | 'latest_attempt' | 'handle_only';
const SHAPES: Record<Shape, Selector> = {
  exact: { type: 'drop', type_index: 0, fulfillment_attempt: 0 },
  latest_attempt: { type: 'drop', type_index: 0 },
  handle_only: {},
};

// ---------------------------------------------------------------------------------------------------- statistics

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
};
const median = (values: number[]): number => percentile(values, 50);
const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

// ---------------------------------------------------------------------------------------------------- workers

interface Worker {
  child: ChildProcess;
  load_ms: number;
  run(events: APIGatewayProxyEventV2[], concurrency: number): Promise<RunResult>;
  stop(): Promise<void>;
}

const startWorker = async (
  script: string,
  bundle: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Worker> => {
  const log = openSync(logFile, 'a');
  // BENCH_CPU_PROF=<dir>: each warm worker writes a V8 CPU profile there (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF;
  const child = fork(script, [], {
    env: { ...env, BENCH_BUNDLE: bundle },
    stdio: ['ignore', log, log, 'ipc'],
    execArgv: profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(profile)],
  });
  closeSync(log);
  let nextId = 0;
  const pending = new Map<number, (result: RunResult) => void>();
  const load_ms = await new Promise<number>((resolveReady, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`bench worker exited (${code}) before it was ready; see ${logFile}`)),
    );
    child.on('message', (message: { type: 'ready'; load_ms: number } | RunResult) => {
      if (message.type === 'ready') resolveReady(message.load_ms);
      else pending.get(message.id)?.(message);
    });
  });
  return {
    child,
    load_ms,
    run: (events, concurrency) =>
      new Promise((resolveRun) => {
        const id = nextId++;
        pending.set(id, resolveRun);
        child.send({ type: 'run', id, events, concurrency } satisfies WorkerRequest);
      }),
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.send({ type: 'exit' } satisfies WorkerRequest);
      }),
  };
};

const checkAnswers = (target: Target, result: RunResult): void => {
  const bad = result.statuses.filter((status) => status !== 200);
  if (bad.length > 0) throw new Error(`${target}: ${bad.length} requests did not answer 200 (e.g. ${bad[0]})`);
  const order = JSON.parse(result.first_body) as { status?: string };
  if (order.status !== 'completed') throw new Error(`${target}: the answer is not a completed order`);
};

// ---------------------------------------------------------------------------------------------------- the run

export interface BenchResults {
  [key: string]: unknown;
  warm_p50_ratio: number;
  warm_p99_ratio: number;
  cpu_us_per_request: number;
  cold_start_ratio: number;
  bundle_bytes: number;
  baseline_bundle_bytes: number;
  calls_per_completion: { reads: number; writes: number; put_events: number };
  calls_per_completion_by_shape: Record<Shape, { reads: number; writes: number; put_events: number }>;
  capacity_by_size: SizeCost[];
}

interface CompletionCost {
  reads: number;
  writes: number;
  put_events: number;
  read_units: number;
  write_units: number;
  operations: string[];
  cost_per_million_usd: number;
}

interface SizeCost {
  points: number;
  item_json_bytes: number;
  storable: boolean;
  note?: string;
  subject?: Record<Shape, CompletionCost>;
  baseline?: Record<Shape, CompletionCost>;
}

const costOf = (calls: MeteredCall[], putEvents: number): CompletionCost => {
  const reads = calls.filter((call) => ['Query', 'GetItem', 'Scan', 'BatchGetItem'].includes(call.operation));
  const writes = calls.filter((call) =>
    ['UpdateItem', 'PutItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'].includes(call.operation),
  );
  const readUnits = reads.reduce((sum, call) => sum + call.read_units, 0);
  const writeUnits = writes.reduce((sum, call) => sum + call.write_units, 0);
  return {
    reads: reads.length,
    writes: writes.length,
    put_events: putEvents,
    read_units: round(readUnits, 2),
    write_units: round(writeUnits, 2),
    operations: calls.map((call) => call.operation),
    cost_per_million_usd: round(
      1e6 *
        (readUnits * PRICES.dynamodb_read_request_unit +
          writeUnits * PRICES.dynamodb_write_request_unit +
          putEvents * PRICES.eventbridge_event),
      4,
    ),
  };
};

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

export const runBench = async (partial: Partial<BenchOptions> = {}): Promise<BenchResults> => {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  const root = resolve(__dirname, '..');
  const workDir = resolve(root, options.workDir);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const runId = randomUUID().slice(0, 8);

  log('building the subject (serverless.yml esbuild options) and the baseline');
  const bundles = await buildBundles(root, join(workDir, 'dist'));

  log('starting DynamoDB Local and the local EventBridge endpoint');
  const dynamodb = await startDynamoDbLocal({ port: await freePort(), region: REGION });
  const eventBridge = await new FakeEventBridge().start();
  const meter = await startDynamoDbMeter(dynamodb.endpoint);
  const workers: Worker[] = [];
  try {
    const admin = localClient(dynamodb.endpoint, REGION);
    await ensureOrdersTable(admin, TABLE);
    await seedLocalAccounts(admin, ACCOUNTS_TABLE);
    admin.destroy();
    const seedClient = createDocumentClient({ endpoint: dynamodb.endpoint, region: REGION });
    const store = new DynamoDbOrderStore(seedClient, TABLE);

    const env = (dynamodbEndpoint: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'orders-complete-bench-completeOrder',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      ORDERS_TABLE_NAME: TABLE,
      EVENT_BUS_NAME: 'orders-complete-bench',
      EVENT_SOURCE: 'orders-complete',
      ACCOUNTS_TABLE_NAME: ACCOUNTS_TABLE,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      EVENTBRIDGE_ENDPOINT: eventBridge.endpoint,
      // As deployed (serverless.yml): INFO logs, metrics on, tracing on (Powertools turns it off outside Lambda).
      POWERTOOLS_SERVICE_NAME: 'orders-complete',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'OrdersComplete',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_TRACE_ENABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const bundleOf = (target: Target): Bundle => bundles[target];
    let handleCounter = 0;
    const newHandles = (target: Target, count: number, tag: string): string[] =>
      Array.from({ length: count }, () => `bench-${runId}-${target}-${tag}-${handleCounter++}`);
    const seed = async (handles: string[], points: number): Promise<void> =>
      store.putOrders(handles.map((handle) => benchOrder(ACCOUNT, handle, points)));
    const eventsFor = (handles: string[], selector: Selector = SHAPES.exact): APIGatewayProxyEventV2[] =>
      handles.map((handle) => apiEvent(ACCOUNT, SECRET, handle, selector, randomUUID()));

    // ------------------------------------------------------------------------------------------------ warm
    const sequential = Object.fromEntries(TARGETS.map((t) => [t, newHandles(t, options.warmup + options.n, 'seq')]));
    const concurrent = Object.fromEntries(TARGETS.map((t) => [t, newHandles(t, options.concurrentRequests, 'con')]));
    const coldHandles = Object.fromEntries(TARGETS.map((t) => [t, newHandles(t, options.cold, 'cold')]));
    log(`seeding ${2 * (options.warmup + options.n + options.concurrentRequests + options.cold)} orders`);
    for (const target of TARGETS) {
      await seed(sequential[target] as string[], 10);
      await seed(concurrent[target] as string[], 10);
      await seed(coldHandles[target] as string[], 10);
    }

    const warm: Record<Target, Worker> = {
      subject: await startWorker(
        bundles.worker,
        bundleOf('subject').file,
        env(dynamodb.endpoint),
        join(workDir, 'logs', 'subject-warm.log'),
      ),
      baseline: await startWorker(
        bundles.worker,
        bundleOf('baseline').file,
        env(dynamodb.endpoint),
        join(workDir, 'logs', 'baseline-warm.log'),
      ),
    };
    workers.push(warm.subject, warm.baseline);

    log(
      `warm: ${options.warmup} warm-up, ${options.n} sequential, ${options.concurrentRequests} at concurrency ${options.c}`,
    );
    for (const target of TARGETS) {
      const events = eventsFor((sequential[target] as string[]).slice(0, options.warmup));
      if (events.length > 0) checkAnswers(target, await warm[target].run(events, 1));
    }
    // Interleaved blocks (ABAB, then BABA) so drift on a shared machine hits both alike.
    const seqResults: Record<Target, { latencies: number[]; cpu: number[] }> = {
      subject: { latencies: [], cpu: [] },
      baseline: { latencies: [], cpu: [] },
    };
    const block = Math.max(1, Math.ceil(options.n / 20));
    for (let start = 0, round_ = 0; start < options.n; start += block, round_ += 1) {
      const order: Target[] = round_ % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
      for (const target of order) {
        const handles = (sequential[target] as string[]).slice(options.warmup + start, options.warmup + start + block);
        const result = await warm[target].run(eventsFor(handles), 1);
        checkAnswers(target, result);
        seqResults[target].latencies.push(...result.latencies_ms);
        seqResults[target].cpu.push(...result.cpu_us);
      }
    }
    const conResults: Record<Target, { latencies: number[]; cpu: number[]; wall: number; count: number }> = {
      subject: { latencies: [], cpu: [], wall: 0, count: 0 },
      baseline: { latencies: [], cpu: [], wall: 0, count: 0 },
    };
    const conBlock = Math.max(options.c, Math.ceil(options.concurrentRequests / 4));
    for (let start = 0, round_ = 0; start < options.concurrentRequests; start += conBlock, round_ += 1) {
      const order: Target[] = round_ % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
      for (const target of order) {
        const handles = (concurrent[target] as string[]).slice(start, start + conBlock);
        const result = await warm[target].run(eventsFor(handles), options.c);
        checkAnswers(target, result);
        conResults[target].latencies.push(...result.latencies_ms);
        conResults[target].cpu.push(...result.cpu_us);
        conResults[target].wall += result.wall_ms;
        conResults[target].count += handles.length;
      }
    }
    await Promise.all([warm.subject.stop(), warm.baseline.stop()]);

    // ------------------------------------------------------------------------------------------------ cold
    log(`cold: ${options.cold} fresh processes per target`);
    const coldRuns: Record<Target, { total: number[]; init: number[]; rss: number[] }> = {
      subject: { total: [], init: [], rss: [] },
      baseline: { total: [], init: [], rss: [] },
    };
    for (let i = 0; i < options.cold; i += 1) {
      const order: Target[] = i % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
      for (const target of order) {
        const resultFile = join(workDir, `cold-${target}-${i}.json`);
        const [event] = eventsFor([(coldHandles[target] as string[])[i] as string]);
        const logFd = openSync(join(workDir, 'logs', `${target}-cold.log`), 'a');
        const child = spawn(process.execPath, [bundles.coldRunner], {
          env: {
            ...env(dynamodb.endpoint),
            BENCH_BUNDLE: bundleOf(target).file,
            BENCH_EVENT: JSON.stringify(event),
            BENCH_RESULT_FILE: resultFile,
          },
          stdio: ['ignore', logFd, logFd],
        });
        closeSync(logFd);
        const code = await new Promise<number | null>((done) => child.once('exit', done));
        if (code !== 0) throw new Error(`${target} cold start exited with ${code}; see ${workDir}/logs`);
        const cold = JSON.parse(readFileSync(resultFile, 'utf8')) as {
          status: number;
          since_process_start_ms: number;
          load_ms: number;
          first_request_ms: number;
          max_rss_kb: number;
        };
        if (cold.status !== 200) throw new Error(`${target} cold start answered ${cold.status}`);
        coldRuns[target].total.push(cold.since_process_start_ms);
        coldRuns[target].init.push(cold.load_ms + cold.first_request_ms);
        coldRuns[target].rss.push(cold.max_rss_kb);
      }
    }

    // ------------------------------------------------------------------------------------------------ handler CPU
    log(`handler CPU without the SDK: ${options.overheadIterations} requests`);
    const overhead = await new Promise<{ cpu_us_mean: number; cpu_us_p50: number }>((done, fail) => {
      const logFd = openSync(join(workDir, 'logs', 'handler-overhead.log'), 'a');
      const child = spawn(process.execPath, [bundles.overhead], {
        env: { ...env(dynamodb.endpoint), BENCH_ITERATIONS: String(options.overheadIterations) },
        stdio: ['ignore', logFd, 'pipe'],
      });
      closeSync(logFd);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => {
        const line = stderr.trim().split('\n').pop() ?? '';
        if (code !== 0 || !line.startsWith('{')) fail(new Error(`handler overhead run failed (${code}): ${stderr}`));
        else done(JSON.parse(line) as { cpu_us_mean: number; cpu_us_p50: number });
      });
    });

    // ------------------------------------------------------------------------------------------------ cost
    log(`cost: calls and capacity units per completion, orders of ${options.sizes.join(', ')} points`);
    const metered: Record<Target, Worker> = {
      subject: await startWorker(
        bundles.worker,
        bundleOf('subject').file,
        env(meter.endpoint),
        join(workDir, 'logs', 'subject-cost.log'),
      ),
      baseline: await startWorker(
        bundles.worker,
        bundleOf('baseline').file,
        env(meter.endpoint),
        join(workDir, 'logs', 'baseline-cost.log'),
      ),
    };
    workers.push(metered.subject, metered.baseline);
    // One request first, so the account is cached: its one GetItem (a cache miss) is not part of every completion.
    const authWarmup = newHandles('subject', 1, 'auth');
    await seed(authWarmup, 10);
    const warmupCalls = meter.calls.length;
    checkAnswers('subject', await metered.subject.run(eventsFor(authWarmup), 1));
    const authReads = meter.calls.slice(warmupCalls).filter((call) => call.operation === 'GetItem');
    log(
      `auth: a cache miss made ${authReads.length} GetItem (${authReads.reduce((sum, c) => sum + c.read_units, 0)} RRU)`,
    );
    const bySize: SizeCost[] = [];
    for (const points of options.sizes) {
      const itemJsonBytes = Buffer.byteLength(JSON.stringify(benchOrder(ACCOUNT, 'x', points)));
      const entry: SizeCost = { points, item_json_bytes: itemJsonBytes, storable: true };
      try {
        for (const target of TARGETS) {
          const costs = {} as Record<Shape, CompletionCost>;
          for (const [shape, selector] of Object.entries(SHAPES) as [Shape, Selector][]) {
            const handles = newHandles(target, 1, `cost${points}`);
            await seed(handles, points);
            const callsBefore = meter.calls.length;
            const entriesBefore = eventBridge.entryCount();
            const result = await metered[target].run(eventsFor(handles, selector), 1);
            checkAnswers(target, result);
            costs[shape] = costOf(meter.calls.slice(callsBefore), eventBridge.entryCount() - entriesBefore);
          }
          entry[target] = costs;
        }
      } catch (error) {
        if (!(error instanceof Error && /item size/i.test(error.message))) throw error;
        entry.storable = false;
        entry.note = `cannot be stored: a DynamoDB item is at most 400 KB (${error.name}: ${error.message})`;
      }
      bySize.push(entry);
    }
    await Promise.all([metered.subject.stop(), metered.baseline.stop()]);
    seedClient.destroy();

    // ------------------------------------------------------------------------------------------------ results
    const seqP50 = (t: Target) => median(seqResults[t].latencies);
    const seqP99 = (t: Target) => percentile(seqResults[t].latencies, 99);
    const cpu = (t: Target) => mean(seqResults[t].cpu);
    const throughput = (t: Target) => conResults[t].count / (conResults[t].wall / 1000);
    const coldTotal = (t: Target) => median(coldRuns[t].total);
    const coldInit = (t: Target) => median(coldRuns[t].init);
    const coldRss = (t: Target) => median(coldRuns[t].rss);
    const tracerBytes = Object.entries(bundles.subject.packages)
      .filter(([name]) => TRACER_PACKAGES.includes(name))
      .reduce((sum, [, bytes]) => sum + bytes, 0);
    const reference = bySize.find((size) => size.storable && size.subject !== undefined);
    const shapeCalls = (shape: Shape) => {
      const cost = reference?.subject?.[shape];
      return {
        reads: cost?.reads ?? Number.NaN,
        writes: cost?.writes ?? Number.NaN,
        put_events: cost?.put_events ?? Number.NaN,
      };
    };
    const byShape = {
      exact: shapeCalls('exact'),
      latest_attempt: shapeCalls('latest_attempt'),
      handle_only: shapeCalls('handle_only'),
    };
    const worst = (field: 'reads' | 'writes' | 'put_events') =>
      Math.max(...Object.values(byShape).map((calls) => calls[field]));

    const results: BenchResults = {
      generated_at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        memory_gb: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        note: 'shared 2-core machine; other work ran at the same time, so timings are noisy',
      },
      options: { ...options },
      warm_p50_ratio: round(seqP50('subject') / seqP50('baseline')),
      warm_p99_ratio: round(seqP99('subject') / seqP99('baseline')),
      cpu_us_per_request: round(cpu('subject'), 1),
      baseline_cpu_us_per_request: round(cpu('baseline'), 1),
      cpu_overhead_us_per_request: round(cpu('subject') - cpu('baseline'), 1),
      handler_cpu_us_per_request_without_sdk: round(overhead.cpu_us_mean, 1),
      handler_cpu_us_p50_without_sdk: round(overhead.cpu_us_p50, 1),
      cold_start_ratio: round(coldTotal('subject') / coldTotal('baseline')),
      cold_init_ratio: round(coldInit('subject') / coldInit('baseline')),
      cold_peak_rss_ratio: round(coldRss('subject') / coldRss('baseline')),
      bundle_bytes: bundles.subject.bytes,
      baseline_bundle_bytes: bundles.baseline.bytes,
      bundle_ratio: round(bundles.subject.bytes / bundles.baseline.bytes),
      bundle_tracer_bytes: tracerBytes,
      bundle_bytes_without_tracer: bundles.subject.bytes - tracerBytes,
      bundle_ratio_without_tracer: round((bundles.subject.bytes - tracerBytes) / bundles.baseline.bytes),
      calls_per_completion: { reads: worst('reads'), writes: worst('writes'), put_events: worst('put_events') },
      calls_per_completion_by_shape: byShape,
      warm: Object.fromEntries(
        TARGETS.map((t) => [
          t,
          {
            sequential: {
              count: seqResults[t].latencies.length,
              p50_ms: round(seqP50(t)),
              p99_ms: round(seqP99(t)),
              mean_ms: round(mean(seqResults[t].latencies)),
              cpu_us_per_request: round(cpu(t), 1),
              cpu_us_p50: round(median(seqResults[t].cpu), 1),
            },
            concurrent: {
              count: conResults[t].count,
              concurrency: options.c,
              p50_ms: round(median(conResults[t].latencies)),
              p99_ms: round(percentile(conResults[t].latencies, 99)),
              throughput_per_s: round(throughput(t), 1),
              cpu_us_per_request: round(mean(conResults[t].cpu), 1),
            },
          },
        ]),
      ),
      concurrent_p50_ratio: round(median(conResults.subject.latencies) / median(conResults.baseline.latencies)),
      concurrent_p99_ratio: round(
        percentile(conResults.subject.latencies, 99) / percentile(conResults.baseline.latencies, 99),
      ),
      throughput_ratio: round(throughput('subject') / throughput('baseline')),
      cold: Object.fromEntries(
        TARGETS.map((t) => [
          t,
          {
            runs: coldRuns[t].total.length,
            since_process_start_ms_p50: round(coldTotal(t), 1),
            load_and_first_request_ms_p50: round(coldInit(t), 1),
            peak_rss_mb_p50: round(coldRss(t) / 1024, 1),
          },
        ]),
      ),
      bundle_packages: {
        subject: Object.fromEntries(Object.entries(bundles.subject.packages).slice(0, 20)),
        baseline: Object.fromEntries(Object.entries(bundles.baseline.packages).slice(0, 20)),
      },
      capacity_by_size: bySize,
      prices_usd: PRICES,
      lambda_cost_per_million_usd: {
        note: 'requests plus 1024 MB arm64 for the measured warm p50 (local DynamoDB latency, not AWS latency)',
        subject: round(1e6 * (PRICES.lambda_request + (seqP50('subject') / 1000) * PRICES.lambda_gb_second_arm64), 2),
        baseline: round(1e6 * (PRICES.lambda_request + (seqP50('baseline') / 1000) * PRICES.lambda_gb_second_arm64), 2),
      },
    };
    const out = resolve(root, options.out);
    mkdirSync(resolve(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    if (options.print) printTable(results);
    log(`results written to ${out}`);
    return results;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop().catch(() => undefined)));
    await meter.stop();
    await eventBridge.stop();
    await dynamodb.stop();
  }
};

// ---------------------------------------------------------------------------------------------------- the table

const printTable = (r: BenchResults): void => {
  const warm = r.warm as Record<Target, { sequential: Record<string, number>; concurrent: Record<string, number> }>;
  const cold = r.cold as Record<Target, Record<string, number>>;
  const rows: [string, string | number, string | number, string | number, string][] = [
    [
      'warm p50 (ms, sequential)',
      warm.subject.sequential.p50_ms!,
      warm.baseline.sequential.p50_ms!,
      r.warm_p50_ratio,
      '<= 1.05',
    ],
    [
      'warm p99 (ms, sequential)',
      warm.subject.sequential.p99_ms!,
      warm.baseline.sequential.p99_ms!,
      r.warm_p99_ratio,
      '<= 1.10',
    ],
    [
      'concurrent p50 (ms)',
      warm.subject.concurrent.p50_ms!,
      warm.baseline.concurrent.p50_ms!,
      r.concurrent_p50_ratio as number,
      '',
    ],
    [
      'concurrent p99 (ms)',
      warm.subject.concurrent.p99_ms!,
      warm.baseline.concurrent.p99_ms!,
      r.concurrent_p99_ratio as number,
      '',
    ],
    [
      'throughput (req/s)',
      warm.subject.concurrent.throughput_per_s!,
      warm.baseline.concurrent.throughput_per_s!,
      r.throughput_ratio as number,
      '',
    ],
    [
      'CPU per request (us)',
      r.cpu_us_per_request,
      r.baseline_cpu_us_per_request as number,
      `+${String(r.cpu_overhead_us_per_request)} us`,
      '< +300 us',
    ],
    ['handler CPU, no SDK (us)', r.handler_cpu_us_per_request_without_sdk as number, '-', '-', '< 300 us'],
    [
      'cold start (ms since process start)',
      cold.subject.since_process_start_ms_p50!,
      cold.baseline.since_process_start_ms_p50!,
      r.cold_start_ratio,
      '<= 1.15',
    ],
    [
      'cold load + first request (ms)',
      cold.subject.load_and_first_request_ms_p50!,
      cold.baseline.load_and_first_request_ms_p50!,
      r.cold_init_ratio as number,
      '',
    ],
    [
      'cold peak RSS (MB)',
      cold.subject.peak_rss_mb_p50!,
      cold.baseline.peak_rss_mb_p50!,
      r.cold_peak_rss_ratio as number,
      '',
    ],
    ['bundle (bytes)', r.bundle_bytes, r.baseline_bundle_bytes, r.bundle_ratio as number, '<= 1.25'],
    [
      'bundle without Tracer (bytes)',
      r.bundle_bytes_without_tracer as number,
      r.baseline_bundle_bytes,
      r.bundle_ratio_without_tracer as number,
      '',
    ],
  ];
  const table = [['', 'subject', 'baseline', 'ratio', 'goal'], ...rows.map((row) => row.map(String))];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
  const calls = r.calls_per_completion_by_shape;
  lines.push('', 'calls per completion (subject): reads / writes / PutEvents entries');
  for (const [shape, c] of Object.entries(calls))
    lines.push(`  ${shape.padEnd(15)} ${c.reads} / ${c.writes} / ${c.put_events}`);
  lines.push(
    '',
    'capacity units per completion (subject, exact | latest_attempt | handle_only): RRU + WRU, $ per million',
  );
  for (const size of r.capacity_by_size) {
    if (!size.storable || size.subject === undefined) {
      lines.push(
        `  ${String(size.points).padStart(6)} points (${size.item_json_bytes} B JSON): not storable as one item`,
      );
      continue;
    }
    const s = size.subject;
    const cell = (c: CompletionCost) => `${c.read_units} + ${c.write_units} ($${c.cost_per_million_usd})`;
    lines.push(
      `  ${String(size.points).padStart(6)} points (${size.item_json_bytes} B JSON): ${cell(s.exact)} | ${cell(s.latest_attempt)} | ${cell(s.handle_only)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
};

// ---------------------------------------------------------------------------------------------------- CLI

const parseArgs = (argv: string[]): Partial<BenchOptions> => {
  const options: Partial<BenchOptions> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    switch (name) {
      case 'n':
      case 'c':
      case 'warmup':
      case 'cold':
        options[name] = Number(value);
        break;
      case 'concurrent':
        options.concurrentRequests = Number(value);
        break;
      case 'overhead':
        options.overheadIterations = Number(value);
        break;
      case 'sizes':
        options.sizes = value.split(',').map(Number);
        break;
      case 'out':
      case 'work-dir':
        options[name === 'out' ? 'out' : 'workDir'] = value;
        break;
      default:
        throw new Error(
          `unknown option --${name}; known: --n --concurrent --c --warmup --cold --sizes --overhead --out --work-dir`,
        );
    }
  }
  return options;
};

if (require.main === module) {
  runBench(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
