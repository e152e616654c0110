import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/**
 * SDK clients, built once per Lambda environment and reused by every warm invocation.
 * Budgets keep every call far inside the Lambda timeout (10 s) and API Gateway's 30 s: an attempt must connect
 * within 1 s and be answered within 2 s (throwOnRequestTimeout: without it the SDK only logs a warning and
 * waits on), at most 3 attempts with the standard retry backoff (~0.1 s, ~0.2 s): at worst ~6.3 s per call.
 * The handler's calls are also cut by middy's early timeout (1 s before the Lambda's); the request path's
 * publish by PUBLISH_TIMEOUT_MS. Measured in test/integration/reliability/dependency-faults.test.ts.
 */
export const SDK_BUDGET = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3 } as const;

export interface ClientOptions {
  region: string;
  endpoint?: string | undefined;
}

const common = ({ region, endpoint }: ClientOptions) => ({
  region,
  maxAttempts: SDK_BUDGET.maxAttempts,
  requestHandler: {
    connectionTimeout: SDK_BUDGET.connectionTimeoutMs,
    requestTimeout: SDK_BUDGET.requestTimeoutMs,
    throwOnRequestTimeout: true,
  },
  ...(endpoint === undefined
    ? {}
    : // A local emulator (DynamoDB Local, the offline EventBridge) accepts any credentials.
      { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
});

export const createDynamoDbClient = (options: ClientOptions): DynamoDBClient => new DynamoDBClient(common(options));

export const toDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const createDocumentClient = (options: ClientOptions): DynamoDBDocumentClient =>
  toDocumentClient(createDynamoDbClient(options));

export const createEventBridgeClient = (options: ClientOptions): EventBridgeClient =>
  new EventBridgeClient(common(options));
