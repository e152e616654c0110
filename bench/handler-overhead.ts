/**
 * The handler's own CPU per request, without the SDK: the deployed middleware chain (Powertools Logger and Metrics,
 * error mapping, Basic auth, request validation), the use case and the response, with the store and publisher
 * answering from memory. Logs and EMF go to stdout as deployed (the bench sends them to a file). The subject minus
 * the baseline in the warm run measures the same thing plus the noise of DynamoDB Local on a shared machine; this
 * isolates it. Prints one JSON line on stderr.
 */
import { performance } from 'node:perf_hooks';
import { counterSink, createLogger, createMetrics } from '../adapters/observability';
import { createCredential, type AccountCredentials, type CredentialStore } from '../domain/credentials';
import type { OrderCompletedPublisher, OrderStore, StoredOrder } from '../domain/ports';
import { createCompleteOrderHandler } from '../handlers/complete-order';
import type { AuthenticatedContext } from '../handlers/http/basic-auth';
import { apiEvent } from './events';
import { lambdaContext } from './lambda-context';
import { benchOrder } from './orders';

const SECRET = 'bench-secret';
const stored = { ...benchOrder('bench-account', 'bench-order', 10), pk: 'pk', sk: 'sk' } as unknown as StoredOrder;
const store: OrderStore = {
  findRecords: async () => [],
  complete: async (write) => ({
    outcome: 'completed',
    order: {
      ...stored,
      status: 'completed',
      completed_at: write.completed_at,
      timeline: [...(stored.timeline as unknown[]), write.timeline_event],
      pending_event: write.pending_event,
    },
  }),
  claimPendingEvent: async () => true,
  releasePendingEvent: async () => undefined,
  clearPendingEvent: async () => undefined,
};
const publisher: OrderCompletedPublisher = {
  publish: async () => undefined,
  publishBatch: async (details) => ({ published: details.map((detail) => detail.event_id), failed: [] }),
};
const credential: AccountCredentials = {
  account_id: 'bench-account',
  secrets: [{ secret_id: 'sk_0000000000000000', created_at: '2026-01-01T00:00:00.000Z', ...createCredential(SECRET) }],
};
const credentials: CredentialStore = { find: async () => credential, refresh: async () => credential };
const logger = createLogger();
const metrics = createMetrics();
const handler = createCompleteOrderHandler(
  {
    store,
    publisher,
    warnings: { warn: (message, details) => logger.warn(message, details) },
    now: () => new Date(),
    publishLeaseMs: 10_000,
    publishTimeoutMs: 2_000,
    counters: counterSink(metrics),
  },
  credentials,
  logger,
  { metrics },
);
const event = apiEvent(
  'bench-account',
  SECRET,
  'bench-order',
  { type: 'drop', type_index: 0, fulfillment_attempt: 0 },
  'r',
);

void (async () => {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 5000);
  const invoke = () => handler(event, lambdaContext() as AuthenticatedContext);
  for (let i = 0; i < Math.min(2000, iterations); i += 1) await invoke();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = process.cpuUsage();
    const response = await invoke();
    const used = process.cpuUsage(start);
    if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode}`);
    samples.push(used.user + used.system);
  }
  const total = samples.reduce((sum, v) => sum + v, 0);
  samples.sort((a, b) => a - b);
  process.stderr.write(
    `${JSON.stringify({ iterations, cpu_us_mean: total / iterations, cpu_us_p50: samples[Math.floor(iterations / 2)], at: performance.now() })}\n`,
  );
})();
