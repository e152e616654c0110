import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Config } from '../config/env';
import type { CompleteOrderDeps } from '../domain/complete-order';
import type { RelayDeps, RelayOptions } from '../domain/relay-pending-events';
import type { CredentialStore } from '../domain/credentials';
import { createDynamoDbClient, createEventBridgeClient, toDocumentClient } from './aws-clients';
import { DynamoDbCredentialStore } from './credentials/dynamodb-credential-store';
import { DynamoDbOrderStore } from './dynamodb/order-store';
import { DynamoDbPendingEventStore } from './dynamodb/pending-event-store';
import { DEFAULT_BATCH_RETRY, EventBridgeOrderCompletedPublisher } from './eventbridge/order-completed-publisher';
import { CallLimiter, type CallLimits } from './eventbridge/call-limiter';
import { BreakerPublisher, CircuitBreaker, type BreakerTransition } from '../domain/circuit-breaker';
import { counterSink, countMetric, METRIC, type Observability } from './observability';
import { timeCalls, type DependencyOf, type DependencyTimings } from './dependency-timings';

/** The composition root: builds the adapters the handlers use, from validated config. */

/** Each SDK client is traced (a subsegment per call) when a tracer is given and tracing is on. */
const traced = <T extends object>(client: T, tracer: Tracer | undefined): T =>
  tracer === undefined ? client : tracer.captureAWSv3Client(client);

/** The request path's clients also time their calls (adapters/dependency-timings.ts). */
const timed = <T extends Parameters<typeof timeCalls>[0]>(
  client: T,
  dependency: DependencyOf,
  timings: DependencyTimings | undefined,
): T => (timings === undefined ? client : timeCalls(client, dependency, timings));

/**
 * A DynamoDB client, built once, traced and timed as asked. The request path has one for both of its tables: one
 * connection pool and one TLS handshake at cold start; its calls are timed per table (`dependency`).
 */
const documentClient = (config: Config, tracer?: Tracer, timing?: [DependencyOf, DependencyTimings | undefined]) =>
  toDocumentClient(
    timed(
      traced(createDynamoDbClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }), tracer),
      timing?.[0] ?? 'ordersTable',
      timing?.[1],
    ),
  );

/** The request path's calls to the accounts table are the credentials' latency, all others the orders table's. */
const tableOf =
  (config: Config): DependencyOf =>
  ({ TableName }) =>
    TableName === config.ACCOUNTS_TABLE_NAME ? 'credentials' : 'ordersTable';

const credentialStore = (config: Config, client: DynamoDBDocumentClient): CredentialStore =>
  new DynamoDbCredentialStore(client, config.ACCOUNTS_TABLE_NAME, {
    ttlMs: config.ACCOUNTS_CACHE_SECONDS * 1000,
    maxEntries: config.ACCOUNTS_CACHE_ENTRIES,
  });

export const createPendingEventStore = (config: Config, tracer?: Tracer): DynamoDbPendingEventStore =>
  new DynamoDbPendingEventStore(documentClient(config, tracer), config.ORDERS_TABLE_NAME);

export const createPublisher = (
  config: Config,
  tracer?: Tracer,
  timings?: DependencyTimings,
): EventBridgeOrderCompletedPublisher =>
  new EventBridgeOrderCompletedPublisher(
    timed(
      traced(createEventBridgeClient({ region: config.AWS_REGION, endpoint: config.EVENTBRIDGE_ENDPOINT }), tracer),
      'eventBus',
      timings,
    ),
    { busName: config.EVENT_BUS_NAME, source: config.EVENT_SOURCE },
  );

const TRANSITION_METRIC = {
  open: METRIC.PublishBreakerOpened,
  half_open: METRIC.PublishBreakerHalfOpened,
  closed: METRIC.PublishBreakerClosed,
} as const;

/**
 * The request path's publisher behind its circuit breaker: one breaker per Lambda environment (this runs once, at
 * init). Each state change is one log line (WARN when it opens, INFO otherwise) and one count of its metric.
 */
export const createBreakerPublisher = (
  config: Config,
  { logger, metrics, tracing, timings }: Pick<Observability, 'logger' | 'metrics' | 'tracing' | 'timings'>,
): BreakerPublisher => {
  const onTransition = (transition: BreakerTransition) => {
    const message = `EventBridge circuit breaker ${transition.to.replace('_', '-')}`;
    if (transition.to === 'open') logger.warn(message, { ...transition });
    else logger.info(message, { ...transition });
    countMetric(metrics, TRANSITION_METRIC[transition.to]);
  };
  const breaker = new CircuitBreaker(
    {
      failureThreshold: config.PUBLISH_BREAKER_FAILURES,
      coolDownMs: config.PUBLISH_BREAKER_COOLDOWN_MS,
      maxCoolDownMs: Math.max(60_000, config.PUBLISH_BREAKER_COOLDOWN_MS),
      probeTimeoutMs: config.PUBLISH_BREAKER_PROBE_TIMEOUT_MS,
    },
    () => Date.now(),
    onTransition,
  );
  return new BreakerPublisher(
    createPublisher(config, tracing?.tracer, timings),
    breaker,
    config.PUBLISH_BREAKER_PROBE_TIMEOUT_MS,
  );
};

/** What the request path's handler needs: the use case's dependencies and the credential store (one DynamoDB client). */
export const createCompleteOrderAdapters = (
  config: Config,
  observability: Observability,
): { deps: CompleteOrderDeps; credentials: CredentialStore } => {
  const { logger, metrics, tracing, timings } = observability;
  const dynamo = documentClient(config, tracing?.tracer, [tableOf(config), timings]);
  return {
    deps: {
      store: new DynamoDbOrderStore(dynamo, config.ORDERS_TABLE_NAME, config.PENDING_SHARDS),
      publisher: createBreakerPublisher(config, observability),
      warnings: { warn: (message, details) => logger.warn(message, details) },
      now: () => new Date(),
      publishLeaseMs: config.PUBLISH_LEASE_MS,
      counters: counterSink(metrics),
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    },
    credentials: credentialStore(config, dynamo),
  };
};

/**
 * One relay invocation's PutEvents limits from config: RELAY_PUT_EVENTS_IN_FLIGHT calls at once, and its part of
 * RELAY_PUT_EVENTS_SHARE_PERCENT of the account's PutEvents quota a second (RELAY_PARTS invocations run at once; the
 * request path needs the rest).
 */
export const relayCallLimits = (config: Config): CallLimits => ({
  maxInFlight: config.RELAY_PUT_EVENTS_IN_FLIGHT,
  perSecond: (config.PUT_EVENTS_QUOTA_PER_SECOND * config.RELAY_PUT_EVENTS_SHARE_PERCENT) / 100 / config.RELAY_PARTS,
});

/** The relay's options from config (its loops over the shards). */
export const relayOptions = (config: Config): Pick<RelayOptions, 'workers' | 'pageSize'> => ({
  workers: config.RELAY_WORKERS,
  pageSize: config.RELAY_PAGE_SIZE,
});

export const createRelayDeps = (config: Config, logger: Logger, tracer?: Tracer): RelayDeps => ({
  store: createPendingEventStore(config, tracer),
  publisher: new EventBridgeOrderCompletedPublisher(
    traced(createEventBridgeClient({ region: config.AWS_REGION, endpoint: config.EVENTBRIDGE_ENDPOINT }), tracer),
    { busName: config.EVENT_BUS_NAME, source: config.EVENT_SOURCE },
    DEFAULT_BATCH_RETRY,
    new CallLimiter(relayCallLimits(config)),
  ),
  warnings: { warn: (message, details) => logger.warn(message, details) },
  now: () => new Date(),
  leaseMs: config.RELAY_LEASE_MS,
});
