import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * SDK clients, built once per Lambda environment and reused by every warm invocation.
 * Budgets keep a request far inside API Gateway's 30 s: each attempt connects within 1 s and
 * answers within 3 s, at most 3 attempts (SDK standard retry with backoff).
 */
export interface ClientOptions {
  region: string;
  endpoint?: string | undefined;
}

const common = ({ region, endpoint }: ClientOptions) => ({
  region,
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
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

export const createSecretsManagerClient = (options: ClientOptions): SecretsManagerClient =>
  new SecretsManagerClient(common(options));
