import type { Metrics } from '@aws-lambda-powertools/metrics';
import { recordMetric, type MetricName } from './metrics-catalogue';

/**
 * Which dependency made a request slow, without the in-process Tracer: each SDK client times its calls (all
 * attempts of a call, retries and backoff included) and the request's totals go on its EMF record as
 * millisecond metrics. CloudWatch then has a p99 per dependency, and the request's own EMF line (searchable by
 * correlation_id) says where its time went. Costs two clock reads and a map update per call (BENCHMARKS.md).
 */
export const DEPENDENCY_METRIC = {
  ordersTable: 'OrdersTableLatency',
  eventBus: 'EventBusLatency',
  credentials: 'CredentialsLatency',
} as const satisfies Record<string, MetricName>;
export type Dependency = keyof typeof DEPENDENCY_METRIC;

/** The time spent in each dependency since the last reset (one Lambda environment runs one request at a time). */
export class DependencyTimings {
  private readonly spent = new Map<Dependency, number>();

  add(dependency: Dependency, ms: number): void {
    this.spent.set(dependency, (this.spent.get(dependency) ?? 0) + ms);
  }

  reset(): void {
    this.spent.clear();
  }

  /** Moves the totals onto the metrics of the current invocation (0.1 ms resolution) and starts again. */
  flushTo(metrics: Metrics): void {
    for (const [dependency, ms] of this.spent) {
      recordMetric(metrics, DEPENDENCY_METRIC[dependency], Math.round(ms * 10) / 10);
    }
    this.spent.clear();
  }
}

/** An SDK v3 initialize-step middleware, for any client's input and output types. */
type AnyClientMiddleware = <I, O>(next: (args: I) => Promise<O>) => (args: I) => Promise<O>;
/** The part of an SDK v3 client this needs: its middleware stack. */
interface TimedClient {
  middlewareStack: { add(middleware: AnyClientMiddleware, options: { step: 'initialize'; name: string }): void };
}

/** Which dependency a call goes to: one for the whole client, or from each call's input (one client, two tables). */
export type DependencyOf = Dependency | ((input: { TableName?: unknown }) => Dependency);

/** Times every call the client makes, from the outermost step (so retries count), into `timings`. */
export const timeCalls = <T extends TimedClient>(
  client: T,
  dependency: DependencyOf,
  timings: DependencyTimings,
): T => {
  const dependencyOf = typeof dependency === 'string' ? () => dependency : dependency;
  const timing: AnyClientMiddleware = (next) => async (args) => {
    const started = performance.now();
    try {
      return await next(args);
    } finally {
      timings.add(dependencyOf((args as { input?: { TableName?: unknown } }).input ?? {}), performance.now() - started);
    }
  };
  client.middlewareStack.add(timing, { step: 'initialize', name: 'dependencyTiming' });
  return client;
};
