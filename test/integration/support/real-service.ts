// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import './env';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createEventBridgeClient } from '../../../adapters/aws-clients';
import type { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import type { DynamoDbPendingEventStore } from '../../../adapters/dynamodb/pending-event-store';
import {
  DEFAULT_BATCH_RETRY,
  EventBridgeOrderCompletedPublisher,
} from '../../../adapters/eventbridge/order-completed-publisher';
import { CallLimiter, type CallLimits } from '../../../adapters/eventbridge/call-limiter';
import type { OrderCompletedPublisher } from '../../../domain/ports';
import type { CompleteOrderDeps } from '../../../domain/complete-order';
import type { CredentialStore } from '../../../domain/credentials';
import { relayPendingEvents, type RelayDeps, type RelayReport } from '../../../domain/relay-pending-events';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { RecordingWarnings, makeDeps } from '../../support/fakes';
import { REGION } from './fresh-table';
import { localCredentials } from './credentials';
import { completeEvent, lambdaContext, LOCAL_AUTH, parseResponse, type ParsedResponse } from './http';

/**
 * The service's real adapters and handlers wired against DynamoDB Local (a table of its own from ./fresh-table.ts,
 * so a relay pass never touches other test files' orders) and whatever EventBridge endpoint a test controls.
 */
export const BUS = 'orders-reliability';
export const SOURCE = 'orders-complete.reliability';

/**
 * The real EventBridge adapter, with the service's SDK budgets, aimed at `eventbridgeEndpoint`; with `limits`, its
 * batches go concurrently within them (as the deployed relay's: adapters/composition-root.ts createRelayDeps).
 */
export const publisherFor = (eventbridgeEndpoint: string, limits?: CallLimits): EventBridgeOrderCompletedPublisher =>
  new EventBridgeOrderCompletedPublisher(
    createEventBridgeClient({ region: REGION, endpoint: eventbridgeEndpoint }),
    { busName: BUS, source: SOURCE },
    DEFAULT_BATCH_RETRY,
    limits === undefined ? undefined : new CallLimiter(limits),
  );

export const quietLogger = (): Logger => new Logger({ serviceName: 'orders-reliability', logLevel: 'SILENT' });

export { localCredentials };

export interface Api {
  deps: CompleteOrderDeps;
  warnings: RecordingWarnings;
  invoke(event: APIGatewayProxyEventV2, remainingMs?: number): Promise<ParsedResponse>;
  complete(handle: string, remainingMs?: number): Promise<ParsedResponse>;
}

/** The whole complete-order Lambda (middy, auth, use case) on the given store and EventBridge endpoint. */
export const apiFor = (
  store: DynamoDbOrderStore,
  eventbridgeEndpoint: string,
  options: { publishTimeoutMs?: number; publishLeaseMs?: number; credentials?: CredentialStore } = {},
): Api => {
  const { deps, warnings } = makeDeps(store, {
    publisher: publisherFor(eventbridgeEndpoint),
    ...(options.publishLeaseMs === undefined ? {} : { publishLeaseMs: options.publishLeaseMs }),
    ...(options.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: options.publishTimeoutMs }),
  });
  const handler = createCompleteOrderHandler(deps, options.credentials ?? localCredentials(), quietLogger());
  const invoke = async (event: APIGatewayProxyEventV2, remainingMs = 10_000) =>
    parseResponse(await handler(event, lambdaContext(remainingMs) as AuthenticatedContext));
  return {
    deps,
    warnings,
    invoke,
    complete: (handle, remainingMs) =>
      invoke(
        completeEvent(handle, { authorization: LOCAL_AUTH, body: '{}', contentType: 'application/json' }),
        remainingMs,
      ),
  };
};

export interface Relay {
  deps: RelayDeps;
  warnings: RecordingWarnings;
  pass(): Promise<RelayReport>;
}

/**
 * The relay use case with the real store and EventBridge adapter (what the scheduled Lambda runs). By default one loop
 * and one PutEvents at a time; `workers` and `limits` make it the concurrent relay the Lambda deploys, `publisher`
 * wraps the real adapter (e.g. to make it die mid-page).
 */
export const relayFor = (
  store: DynamoDbPendingEventStore,
  eventbridgeEndpoint: string,
  options: {
    now?: () => Date;
    leaseMs?: number;
    workers?: number;
    pageSize?: number;
    limits?: CallLimits;
    publisher?: (real: OrderCompletedPublisher) => OrderCompletedPublisher;
  } = {},
): Relay => {
  const warnings = new RecordingWarnings();
  const real = publisherFor(eventbridgeEndpoint, options.limits);
  const deps: RelayDeps = {
    store,
    publisher: options.publisher === undefined ? real : options.publisher(real),
    warnings,
    now: options.now ?? (() => new Date()),
    leaseMs: options.leaseMs ?? 30_000,
  };
  const relayOptions = {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  };
  return { deps, warnings, pass: () => relayPendingEvents(deps, relayOptions) };
};
