import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Config } from '../config/env';
import type { CompleteOrderDeps } from '../domain/complete-order';
import type { RelayDeps } from '../domain/relay-pending-events';
import type { CredentialStore } from '../domain/ports';
import { createDocumentClient, createEventBridgeClient, createSecretsManagerClient } from './aws-clients';
import { FileCredentialStore } from './credentials/file-credential-store';
import { SecretsManagerCredentialStore } from './credentials/secrets-manager-credential-store';
import { DynamoDbOrderStore } from './dynamodb/order-store';
import { EventBridgeOrderCompletedPublisher } from './eventbridge/order-completed-publisher';

/** The composition root: builds the adapters the handlers use, from validated config. */
export const createLogger = (): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders-complete' });

/** CloudWatch metrics as EMF log lines; names are shared by the handlers, the alarms and the README. */
export const createMetrics = (): Metrics =>
  new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OrdersComplete',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders-complete',
    // Dimensions service and stage: the alarms in serverless.yml select on both.
    ...(process.env.STAGE ? { defaultDimensions: { stage: process.env.STAGE } } : {}),
  });

export const createCredentialStore = (config: Config): CredentialStore =>
  config.ACCOUNTS_SOURCE === 'file'
    ? new FileCredentialStore(config.ACCOUNTS_FILE as string)
    : new SecretsManagerCredentialStore(
        createSecretsManagerClient({ region: config.AWS_REGION }),
        config.ACCOUNTS_SECRET_ID as string,
        config.ACCOUNTS_CACHE_SECONDS * 1000,
      );

export const createOrderStore = (config: Config): DynamoDbOrderStore =>
  new DynamoDbOrderStore(
    createDocumentClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
    config.ORDERS_TABLE_NAME,
  );

export const createPublisher = (config: Config): EventBridgeOrderCompletedPublisher =>
  new EventBridgeOrderCompletedPublisher(
    createEventBridgeClient({ region: config.AWS_REGION, endpoint: config.EVENTBRIDGE_ENDPOINT }),
    { busName: config.EVENT_BUS_NAME, source: config.EVENT_SOURCE },
  );

export const createCompleteOrderDeps = (config: Config, logger: Logger): CompleteOrderDeps => ({
  store: createOrderStore(config),
  publisher: createPublisher(config),
  warnings: { warn: (message, details) => logger.warn(message, details) },
  now: () => new Date(),
  publishLeaseMs: config.PUBLISH_LEASE_MS,
  publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
});

export const createRelayDeps = (config: Config, logger: Logger): RelayDeps => ({
  store: createOrderStore(config),
  publisher: createPublisher(config),
  warnings: { warn: (message, details) => logger.warn(message, details) },
  now: () => new Date(),
  leaseMs: config.RELAY_LEASE_MS,
});
