/**
 * `npm run bench:relay`: how fast one relay process drains a backlog of pending OrderCompleted events, against the
 * fast local fakes answering after in-Region latencies (DynamoDB 6 ms, PutEvents 20 ms: the capacity model's own
 * assumptions; bench/relay/fakes-process.ts, in a process of its own). Two configurations in the same run, each on a
 * fresh backlog of the same size:
 *   before: the relay as it was (one loop, one page after another, PutEvents chunks one at a time, one sweep)
 *   after:  the deployed configuration (RELAY_WORKERS loops, PutEvents in flight and per second as config allows)
 * For each: events/s, the relay process's CPU per event, SDK calls per event by operation, and (after) where the CPU
 * goes (a CPU profile, self time by module). Every event must be delivered exactly once, or the bench fails.
 * Writes relay_events_per_s and its inputs under `relay` in bench/results.json (other keys kept).
 *   npm run bench:relay -- [--events 20000] [--dynamodb-ms 6] [--eventbridge-ms 20] [--out FILE] [--no-profile]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { createPublisher, createRelayDeps, relayCallLimits, relayOptions } from '../adapters/composition-root';
import { loadConfig, type Config } from '../config/env';
import {
  invocationWorkers,
  relayPendingEvents,
  type RelayDeps,
  type RelayOptions,
} from '../domain/relay-pending-events';
import type { FakesRequest, FakesStats } from './relay/fakes-process';
import { seedBacklog } from './relay/backlog';
import { whereCpuGoes } from './relay/profile';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = resolve(__dirname, '..');
const TABLE = 'orders-relay-bench';
const log = (message: string) => process.stderr.write(`[bench:relay] ${message}\n`);

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    'dynamodb-ms': { type: 'string', default: '6' },
    'eventbridge-ms': { type: 'string', default: '20' },
    out: { type: 'string', default: resolve(root, 'bench', 'results.json') },
    'no-profile': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(values.events);
const DYNAMODB_MS = Number(values['dynamodb-ms']);
const EVENTBRIDGE_MS = Number(values['eventbridge-ms']);

/** The fakes' process, and one request/answer at a time over IPC. */
const startFakes = async (): Promise<{ child: ChildProcess; dynamodb: string; eventbridge: string }> => {
  const child = fork(
    resolve(__dirname, 'relay', 'fakes-process.ts'),
    [TABLE, String(DYNAMODB_MS), String(EVENTBRIDGE_MS)],
    {
      // BENCH_CPU_PROF=<dir>: the fakes' process writes a V8 CPU profile there when it stops (as bench/workers.ts).
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF === undefined
          ? []
          : ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const ready = await new Promise<{ dynamodb: string; eventbridge: string }>((done, fail) => {
    child.once('message', (message) => done(message as { dynamodb: string; eventbridge: string }));
    child.once('exit', (code) => fail(new Error(`the fakes exited (${code})`)));
  });
  return { child, ...ready };
};
const ask = <T>(child: ChildProcess, request: FakesRequest): Promise<T> =>
  new Promise((done) => {
    child.once('message', (message) => done(message as T));
    child.send(request);
  });
const stats = async (child: ChildProcess) => (await ask<{ stats: FakesStats }>(child, { kind: 'stats' })).stats;

interface RunFigures {
  events: number;
  seconds: number;
  events_per_s: number;
  cpu_us_per_event: number;
  fakes_cpu_us_per_event: number;
  sdk_calls_per_event: Record<string, number>;
  put_events_max_in_flight: number;
  report: Record<string, unknown>;
  cpu_profile_percent?: Record<string, number>;
}

const run = async (
  label: string,
  fakes: Awaited<ReturnType<typeof startFakes>>,
  deps: RelayDeps,
  options: RelayOptions,
  profile: boolean,
): Promise<RunFigures> => {
  await ask(fakes.child, { kind: 'reset' });
  log(`${label}: seeding ${EVENTS} pending events`);
  await seedBacklog(TABLE, fakes.dynamodb, EVENTS, options.part);
  const before = await stats(fakes.child);
  const session = profile ? new Session() : undefined;
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = await relayPendingEvents(deps, options);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  let cpuProfile: Record<string, number> | undefined;
  if (session !== undefined) {
    const { profile: taken } = await session.post('Profiler.stop');
    cpuProfile = whereCpuGoes(taken.nodes);
    session.disconnect();
  }
  const after = await stats(fakes.child);
  if (
    report.published !== EVENTS ||
    after.delivered - before.delivered !== EVENTS ||
    after.distinct_delivered !== EVENTS
  ) {
    throw new Error(`${label}: not every event delivered exactly once: ${JSON.stringify({ report, after })}`);
  }
  const perEvent = (n: number) => Math.round((1000 * n) / EVENTS) / 1000;
  const calls: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after.calls)) {
    const delta = count - (before.calls[operation] ?? 0);
    if (delta > 0) calls[operation] = perEvent(delta);
  }
  calls.PutEvents = perEvent(after.put_events_calls - before.put_events_calls);
  const figures: RunFigures = {
    events: EVENTS,
    seconds: Math.round(seconds * 1000) / 1000,
    events_per_s: Math.round(EVENTS / seconds),
    cpu_us_per_event: Math.round((used.user + used.system) / EVENTS),
    fakes_cpu_us_per_event: Math.round((after.cpu_us - before.cpu_us) / EVENTS),
    sdk_calls_per_event: calls,
    put_events_max_in_flight: after.put_events_max_in_flight,
    report: { ...report },
    ...(cpuProfile === undefined ? {} : { cpu_profile_percent: cpuProfile }),
  };
  log(`${label}: ${JSON.stringify(figures)}`);
  return figures;
};

/** Writes relay_events_per_s, relay_invocation_events_per_s and the figures under `relay` (other keys kept). */
const writeResults = (config: Config, sequential: RunFigures, concurrent: RunFigures, invocation: RunFigures) => {
  const limits = relayCallLimits(config);
  const relay = {
    generated_at: new Date().toISOString(),
    description:
      'one relay process draining a backlog against local fakes answering after injected in-Region latencies (bench/relay.ts)',
    injected_latency_ms: { dynamodb: DYNAMODB_MS, put_events: EVENTBRIDGE_MS },
    configuration: {
      workers: config.RELAY_WORKERS,
      page_size: config.RELAY_PAGE_SIZE,
      put_events_in_flight: limits.maxInFlight,
      put_events_per_second_limit: limits.perSecond,
    },
    before: sequential,
    after: concurrent,
    invocation,
    speedup: Math.round((100 * concurrent.events_per_s) / sequential.events_per_s) / 100,
    machine: {
      node: process.version,
      note: 'shared 2-core machine; other work may have run at the same time',
    },
  };
  const out = resolve(values.out);
  const existing: Record<string, unknown> = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
    : {};
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        ...existing,
        relay_events_per_s: concurrent.events_per_s,
        relay_invocation_events_per_s: invocation.events_per_s,
        relay,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(
    `relay: ${concurrent.events_per_s} events/s (before: ${sequential.events_per_s}/s, x${relay.speedup}); ` +
      `CPU ${concurrent.cpu_us_per_event} us/event (before ${sequential.cpu_us_per_event}); ` +
      `SDK calls/event ${JSON.stringify(concurrent.sdk_calls_per_event)}; one deployed invocation ` +
      `(part 1 of ${config.RELAY_PARTS}, ${invocation.events} events) ${invocation.events_per_s} events/s; written to ${out}\n`,
  );
};

const main = async () => {
  const fakes = await startFakes();
  try {
    const config: Config = loadConfig({
      ...process.env,
      AWS_REGION: 'us-east-1',
      ORDERS_TABLE_NAME: TABLE,
      EVENT_BUS_NAME: 'orders-relay-bench',
      EVENT_SOURCE: 'orders-complete',
      ACCOUNTS_TABLE_NAME: 'accounts-relay-bench',
      DYNAMODB_ENDPOINT: fakes.dynamodb,
      EVENTBRIDGE_ENDPOINT: fakes.eventbridge,
    });
    const logger = new Logger({ serviceName: 'relay-bench', logLevel: 'ERROR' });
    // Before: the relay of run 8: one loop, pages of 50 one at a time, PutEvents chunks one after the other, one
    // conditional UpdateItem per claim and per settle (no batch writes), one sweep.
    const deployed = createRelayDeps(config, logger);
    const store = deployed.store;
    const unbatched: RelayDeps['store'] = {
      listPendingEvents: (limit, cursor, part) => store.listPendingEvents(limit, cursor, part),
      summarizePendingEvents: () => store.summarizePendingEvents(),
      claimPendingEvent: (...args) => store.claimPendingEvent(...args),
      releasePendingEvent: (...args) => store.releasePendingEvent(...args),
      clearPendingEvent: (...args) => store.clearPendingEvent(...args),
    };
    const sequential = await run(
      'before (run 8: sequential, one write per event)',
      fakes,
      { ...deployed, store: unbatched, publisher: createPublisher(config) },
      { workers: 1, pageSize: 50, singleSweep: true },
      false,
    );
    const concurrent = await run(
      'after (deployed configuration)',
      fakes,
      deployed,
      relayOptions(config),
      values['no-profile'] !== true,
    );
    // One deployed invocation: part 1 of RELAY_PARTS with its share of the loops, on a backlog in its own shards. The
    // schedule starts RELAY_PARTS of them at once, each in its own Lambda environment (serverless.yml).
    const part = { index: 0, count: config.RELAY_PARTS };
    const invocation = await run(
      `one deployed invocation (part 1 of ${part.count})`,
      fakes,
      createRelayDeps(config, logger),
      { ...relayOptions(config), workers: invocationWorkers(config.RELAY_WORKERS, part), part },
      false,
    );
    writeResults(config, sequential, concurrent, invocation);
  } finally {
    fakes.child.send({ kind: 'stop' } satisfies FakesRequest);
  }
};

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
