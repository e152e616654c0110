/**
 * `npm run bench:publish-deadline`: what a PutEvents call's deadline costs in CPU, in situ (the real SDK client of
 * adapters/aws-clients.ts over HTTP to the local FakeEventBridge in a child process, so its CPU is not counted).
 * Three ways, interleaved in rounds of 25 calls (the order alternating), CPU per call from process.cpuUsage():
 *   any:   AbortSignal.any([AbortSignal.timeout(ms), requestSignal]), as the publisher did before run 8;
 *   owned: the publisher's own `deadline` (one AbortController, a timer cleared when the call ends, the request
 *          signal forwarded), what it does now;
 *   none:  no deadline at all (the floor).
 * It prints each mean and the paired differences with their standard error over rounds.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgeClient } from '../../adapters/aws-clients';
import { deadline } from '../../adapters/eventbridge/order-completed-publisher';
import { FakeEventBridge } from '../../scripts/local/fakes/aws-endpoints';
import { mean } from '../stats';

/** The child: the local EventBridge the tests use, in its own process so its CPU is not counted. */
const serve = async (): Promise<void> => {
  const eventBridge = await new FakeEventBridge().start();
  process.send?.(eventBridge.endpoint);
};

const entries = [
  { EventBusName: 'bus', Source: 'src', DetailType: 'OrderCompleted', Time: new Date(), Detail: '{"a":1}' },
];

const rejectOnAbort = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

type Put = (client: EventBridgeClient, request: AbortSignal) => Promise<unknown>;

const WAYS: Record<'any' | 'owned' | 'none', Put> = {
  any: async (client, request) => {
    const abortSignal = AbortSignal.any([AbortSignal.timeout(2_000), request]);
    const sent = client.send(new PutEventsCommand({ Entries: entries }), { abortSignal });
    return Promise.race([sent, rejectOnAbort(abortSignal)]);
  },
  owned: async (client, request) => {
    const limit = deadline(2_000, request);
    try {
      const sent = client.send(new PutEventsCommand({ Entries: entries }), { abortSignal: limit.signal });
      return await Promise.race([sent, limit.aborted]);
    } finally {
      limit.dispose();
    }
  },
  none: (client) => client.send(new PutEventsCommand({ Entries: entries })),
};

const pairedDifference = (a: readonly number[], b: readonly number[]): string => {
  const differences = a.map((value, i) => value - (b[i] ?? 0));
  const m = mean(differences);
  const variance = differences.reduce((sum, d) => sum + (d - m) ** 2, 0) / (differences.length - 1);
  return `${m.toFixed(1)} ± ${Math.sqrt(variance / differences.length).toFixed(1)} µs`;
};

const measure = async (rounds: number): Promise<void> => {
  const child = fork(__filename, ['--serve'], { stdio: 'inherit' });
  const endpoint = await new Promise<string>((resolve) =>
    child.once('message', (message) => resolve(message as string)),
  );
  const client = createEventBridgeClient({ region: 'us-east-1', endpoint });
  const request = new AbortController().signal;
  const names = Object.keys(WAYS) as (keyof typeof WAYS)[];
  const cpu = { any: [] as number[], owned: [] as number[], none: [] as number[] };
  for (let i = 0; i < 300; i += 1) for (const name of names) await WAYS[name](client, request);
  for (let round = 0; round < rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const start = process.cpuUsage();
      for (let i = 0; i < 25; i += 1) await WAYS[name](client, request);
      const used = process.cpuUsage(start);
      cpu[name].push((used.user + used.system) / 25);
    }
  }
  child.kill();
  console.log(`node ${process.version}, ${rounds} rounds of 25 calls per way`);
  for (const name of names) console.log(`  ${name.padEnd(6)} ${mean(cpu[name]).toFixed(1)} µs CPU per call`);
  console.log(`  any - owned  ${pairedDifference(cpu.any, cpu.owned)}`);
  console.log(`  owned - none ${pairedDifference(cpu.owned, cpu.none)}`);
};

const { values } = parseArgs({ options: { serve: { type: 'boolean' }, rounds: { type: 'string', default: '300' } } });
if (values.serve === true) void serve();
else void measure(Number(values.rounds));
