import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { CounterSink } from '../domain/ports';

/**
 * Powertools, configured once: structured logs, CloudWatch metrics in EMF, X-Ray traces. Each is switched
 * by its Powertools environment variable (POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED,
 * POWERTOOLS_TRACE_ENABLED); the names and namespace are shared with dashboards and alarms.
 */
export const SERVICE_NAME = 'orders-complete';
export const METRICS_NAMESPACE = 'OrdersComplete';

/** Every metric the request path emits (Count). The relay emits its own (Relay*, PendingEvents, ...). */
export const METRIC = {
  OrdersCompleted: 'OrdersCompleted',
  CompletionConflicts: 'CompletionConflicts',
  ValidationFailures: 'ValidationFailures',
  PublishFailures: 'PublishFailures',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export const createLogger = (): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

export const createMetrics = (): Metrics =>
  new Metrics({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  });

/** Tracing switches itself off outside Lambda and when POWERTOOLS_TRACE_ENABLED=false. */
export const createTracer = (): Tracer =>
  new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

export const createObservability = (): Observability => ({
  logger: createLogger(),
  metrics: createMetrics(),
  tracer: createTracer(),
});

/** Counts one occurrence; flushed as EMF by the logMetrics middleware at the end of the invocation. */
export const countMetric = (metrics: Metrics, name: MetricName): void => {
  metrics.addMetric(name, MetricUnit.Count, 1);
};

/** The use case's counters, as Powertools metrics. */
export const counterSink = (metrics: Metrics): CounterSink => ({ count: (name) => countMetric(metrics, name) });
