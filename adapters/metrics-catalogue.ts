import type { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Every metric the service emits, in one place: the code emits them by these names only (`recordMetric`; no other
 * file calls addMetric, test/unit/architecture/metrics.test.ts), and the stage's CloudWatch dashboard is generated
 * from this list (infra/dashboard.ts), one panel per `panel`. The package test compares the dashboard with the
 * metrics the code really emits, so a metric the code stops emitting fails a test, not a dashboard.
 *
 * All are in namespace POWERTOOLS_METRICS_NAMESPACE (OrdersComplete) with the dimensions service and stage.
 */

/** The dashboard panels the service's own metrics are drawn on, in order, with the statistics each one shows. */
export const METRIC_PANELS = {
  outcomes: { title: 'Completions and refusals (per minute)', stats: ['Sum'] },
  publishing: { title: 'OrderCompleted publishing (per minute)', stats: ['Sum'] },
  breaker: { title: 'EventBridge circuit breaker state changes (per minute)', stats: ['Sum'] },
  pending: { title: 'Pending events and the oldest one’s age (relay)', stats: ['Maximum'] },
  dependencies: { title: 'Time in each dependency per request (ms, p50 and p99)', stats: ['p50', 'p99'] },
  webhooks: { title: 'Webhook deliveries (per minute)', stats: ['Sum'] },
} as const satisfies Record<string, { title: string; stats: readonly string[] }>;
export type MetricPanel = keyof typeof METRIC_PANELS;

/** Units as Powertools' MetricUnit spells them (CloudWatch's own names). */
type Unit = 'Count' | 'Milliseconds' | 'Seconds';

export interface MetricSpec {
  unit: Unit;
  /** The function that emits it (serverless.yml function key). */
  emittedBy: 'completeOrder' | 'relayPendingEvents' | 'webhookSender';
  panel: MetricPanel;
  /** The panel's right-hand axis (a different unit from its neighbours). */
  rightAxis?: true;
  description: string;
}

export const METRICS = {
  OrdersCompleted: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'outcomes',
    description: 'An order completed by this request (not a replay).',
  },
  CompletionConflicts: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'outcomes',
    description: 'A 409: the order cannot be completed (cancelled, another attempt, too large).',
  },
  ValidationFailures: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'outcomes',
    description: 'A 413, 415 or 422: the request was refused before the table was read.',
  },
  PublishFailures: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'publishing',
    description: 'A completion whose OrderCompleted the request path could not publish (left pending).',
  },
  PublishesSkipped: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'publishing',
    description: 'A publish skipped because the EventBridge circuit breaker was open (the event stays pending).',
  },
  PublishBreakerOpened: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'breaker',
    description: 'The request path’s EventBridge circuit breaker opened in one Lambda environment.',
  },
  PublishBreakerHalfOpened: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'breaker',
    description: 'The breaker let one probe publish through after its cool-down.',
  },
  PublishBreakerClosed: {
    unit: 'Count',
    emittedBy: 'completeOrder',
    panel: 'breaker',
    description: 'The breaker closed: a probe publish succeeded.',
  },
  RelayEventsPublished: {
    unit: 'Count',
    emittedBy: 'relayPendingEvents',
    panel: 'publishing',
    description: 'Pending events a relay pass published.',
  },
  RelayPublishFailures: {
    unit: 'Count',
    emittedBy: 'relayPendingEvents',
    panel: 'publishing',
    description: 'Pending events a relay pass could not publish.',
  },
  PendingEvents: {
    unit: 'Count',
    emittedBy: 'relayPendingEvents',
    panel: 'pending',
    description: 'Events still pending after a relay pass.',
  },
  OldestPendingEventAgeSeconds: {
    unit: 'Seconds',
    emittedBy: 'relayPendingEvents',
    panel: 'pending',
    rightAxis: true,
    description: 'Age of the oldest pending event after a relay pass (alarm above 300 s).',
  },
  OrdersTableLatency: {
    unit: 'Milliseconds',
    emittedBy: 'completeOrder',
    panel: 'dependencies',
    description: 'Time in the orders table per request, all attempts.',
  },
  EventBusLatency: {
    unit: 'Milliseconds',
    emittedBy: 'completeOrder',
    panel: 'dependencies',
    description: 'Time in EventBridge PutEvents per request, all attempts.',
  },
  CredentialsLatency: {
    unit: 'Milliseconds',
    emittedBy: 'completeOrder',
    panel: 'dependencies',
    description: 'Time in the accounts table per request (cache misses only).',
  },
  WebhooksDelivered: {
    unit: 'Count',
    emittedBy: 'webhookSender',
    panel: 'webhooks',
    description: 'A webhook delivery its receiver accepted.',
  },
  WebhookRetries: {
    unit: 'Count',
    emittedBy: 'webhookSender',
    panel: 'webhooks',
    description: 'A webhook delivery that failed for now and will be retried.',
  },
  WebhookEndpointsDisabled: {
    unit: 'Count',
    emittedBy: 'webhookSender',
    panel: 'webhooks',
    description: 'An endpoint disabled because its receiver answered 410 Gone.',
  },
  WebhooksDeadLettered: {
    unit: 'Count',
    emittedBy: 'webhookSender',
    panel: 'webhooks',
    description: 'A webhook delivery given up and sent to the webhooks dead-letter queue.',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** Adds one value of a catalogued metric to the current invocation's EMF record, in the metric's own unit. */
export const recordMetric = (metrics: Metrics, name: MetricName, value: number): void => {
  metrics.addMetric(name, METRICS[name].unit, value);
};
