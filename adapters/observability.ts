import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type * as TracerMiddlewareModule from '@aws-lambda-powertools/tracer/middleware';
import type { CounterSink } from '../domain/ports';
import { DependencyTimings } from './dependency-timings';
import { recordMetric, type MetricName } from './metrics-catalogue';

/**
 * Powertools, configured once: structured logs, CloudWatch metrics in EMF, X-Ray traces. Each is switched
 * by its Powertools environment variable (POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED,
 * POWERTOOLS_TRACE_ENABLED); the names and namespace are shared with dashboards and alarms.
 */
export const SERVICE_NAME = 'orders-complete';
export const METRICS_NAMESPACE = 'OrdersComplete';

/** The counts the request path emits; every metric of the service is in adapters/metrics-catalogue.ts. */
export const METRIC = {
  OrdersCompleted: 'OrdersCompleted',
  CompletionConflicts: 'CompletionConflicts',
  ValidationFailures: 'ValidationFailures',
  PublishFailures: 'PublishFailures',
  /** Publishes skipped because the EventBridge circuit breaker was open (domain/circuit-breaker.ts). */
  PublishesSkipped: 'PublishesSkipped',
  /** The breaker's state changes, one each (to open, to half-open, to closed). */
  PublishBreakerOpened: 'PublishBreakerOpened',
  PublishBreakerHalfOpened: 'PublishBreakerHalfOpened',
  PublishBreakerClosed: 'PublishBreakerClosed',
} as const satisfies Record<string, MetricName>;
export type CountMetricName = (typeof METRIC)[keyof typeof METRIC];

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  /** Absent when in-process tracing is off (the default: README "Observability"). */
  tracing: Tracing | undefined;
  /** Time spent in each dependency by the current request, for its EMF record. */
  timings: DependencyTimings;
}

export const createLogger = (): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

/** Dimensions service and (when STAGE is set) stage: two stages in one account never feed each other's alarms. */
export const createMetrics = (): Metrics =>
  new Metrics({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    ...(process.env.STAGE ? { defaultDimensions: { stage: process.env.STAGE } } : {}),
  });

/**
 * Powertools' own rule: tracing is on in Lambda (AWS_EXECUTION_ENV set, not SAM local or Amplify mock) unless
 * POWERTOOLS_TRACE_ENABLED=false.
 */
export const isTracingEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => {
  const executionEnv = env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false' ? '' : (env.AWS_EXECUTION_ENV ?? '');
  return executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && (env.AWS_SAM_LOCAL ?? '') === '';
};

/** The in-process Tracer and its middy middleware, when in-process tracing is on. */
export interface Tracing {
  tracer: Tracer;
  captureLambdaHandler: typeof TracerMiddlewareModule.captureLambdaHandler;
}

/**
 * The Tracer, loaded only when tracing is on (opt-in per stage: serverless.yml `inProcessTracing`). Loading it
 * loads aws-xray-sdk-core, which installs async hooks (cls-hooked) that make every await of the process dearer,
 * traced or not, and its code is a third of the bundle (BENCHMARKS.md). A dynamic import keeps both off the
 * default path: in the ESM build it is a chunk of its own, never read at init unless tracing is on.
 */
export const loadTracing = async (env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> => {
  if (!isTracingEnabled(env)) return undefined;
  const [{ Tracer: PowertoolsTracer }, middleware] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  return {
    tracer: new PowertoolsTracer({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME }),
    captureLambdaHandler: middleware.captureLambdaHandler,
  };
};

export const createObservability = async (): Promise<Observability> => {
  const tracing = await loadTracing();
  return {
    logger: createLogger(),
    metrics: createMetrics(),
    tracing,
    timings: new DependencyTimings(),
  };
};

/** Reads Powertools' own metrics switch (POWERTOOLS_METRICS_DISABLED, POWERTOOLS_DEV), which Metrics keeps protected. */
class MetricsSwitch extends Metrics {
  static isPublishing(metrics: Metrics): boolean {
    // tsc needs the cast to reach the protected method (TS2446); typescript-eslint's checker disagrees.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    return !(metrics as MetricsSwitch).isDisabled();
  }
}

/** Whether flushing `metrics` writes an EMF line (metrics on and something stored). */
export const willPublishMetrics = (metrics: Metrics): boolean =>
  MetricsSwitch.isPublishing(metrics) && metrics.hasStoredMetrics();

/** Counts one occurrence; flushed as EMF by the logMetrics middleware at the end of the invocation. */
export const countMetric = (metrics: Metrics, name: CountMetricName): void => {
  recordMetric(metrics, name, 1);
};

/** The use case's counters, as Powertools metrics. */
export const counterSink = (metrics: Metrics): CounterSink => ({ count: (name) => countMetric(metrics, name) });
