// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import './env';
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createEventBridgeClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { EventBridgeOrderCompletedPublisher } from '../../../adapters/eventbridge/order-completed-publisher';
import type { CompleteOrderDeps } from '../../../domain/complete-order';
import type { CredentialStore } from '../../../domain/credentials';
import { relayPendingEvents, type RelayDeps, type RelayReport } from '../../../domain/relay-pending-events';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { ensureOrdersTable, localClient } from '../../../scripts/local/dynamodb-local';
import { RecordingWarnings } from '../../support/fakes';
import { localCredentials as defaultCredentials } from './credentials';
import { endpoint } from './dynamo';
import { completeEvent, lambdaContext, LOCAL_AUTH, parseResponse, type ParsedResponse } from './http';

/**
 * The service's real adapters and handlers wired against DynamoDB Local (a table of its own, so a relay pass
 * never touches other test files' orders) and whatever EventBridge endpoint a test controls.
 */
export const REGION = 'us-east-1';
export const BUS = 'orders-reliability';
export const SOURCE = 'orders-complete.reliability';

export interface Table {
  name: string;
  client: DynamoDBDocumentClient;
  store: DynamoDbOrderStore;
  drop(): Promise<void>;
}

/** A new orders table (key schema and pending-events index from infra/orders-table.json). */
export const freshTable = async (label: string, dynamodbEndpoint = endpoint()): Promise<Table> => {
  const name = `orders-${label}-${randomBytes(4).toString('hex')}`;
  const admin = localClient(endpoint(), REGION);
  await ensureOrdersTable(admin, name);
  const client = createDocumentClient({ region: REGION, endpoint: dynamodbEndpoint });
  return {
    name,
    client,
    store: new DynamoDbOrderStore(client, name),
    drop: async () => {
      client.destroy();
      await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      admin.destroy();
    },
  };
};

/** The real EventBridge adapter, with the service's SDK budgets, aimed at `eventbridgeEndpoint`. */
export const publisherFor = (eventbridgeEndpoint: string): EventBridgeOrderCompletedPublisher =>
  new EventBridgeOrderCompletedPublisher(createEventBridgeClient({ region: REGION, endpoint: eventbridgeEndpoint }), {
    busName: BUS,
    source: SOURCE,
  });

export const quietLogger = (): Logger => new Logger({ serviceName: 'orders-reliability', logLevel: 'SILENT' });

export { localCredentials } from './credentials';

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
  const warnings = new RecordingWarnings();
  const deps: CompleteOrderDeps = {
    store,
    publisher: publisherFor(eventbridgeEndpoint),
    warnings,
    now: () => new Date(),
    publishLeaseMs: options.publishLeaseMs ?? 10_000,
    publishTimeoutMs: options.publishTimeoutMs ?? 2_000,
  };
  const handler = createCompleteOrderHandler(deps, options.credentials ?? defaultCredentials(), quietLogger());
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

/** The relay use case with the real store and EventBridge adapter (what the scheduled Lambda runs). */
export const relayFor = (
  store: DynamoDbOrderStore,
  eventbridgeEndpoint: string,
  options: { now?: () => Date; leaseMs?: number } = {},
): Relay => {
  const warnings = new RecordingWarnings();
  const deps: RelayDeps = {
    store,
    publisher: publisherFor(eventbridgeEndpoint),
    warnings,
    now: options.now ?? (() => new Date()),
    leaseMs: options.leaseMs ?? 30_000,
  };
  return { deps, warnings, pass: () => relayPendingEvents(deps) };
};
