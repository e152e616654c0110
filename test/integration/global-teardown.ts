import type { RunningDynamoDb } from '../../scripts/local/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamodbLocal__?: RunningDynamoDb }).__dynamodbLocal__?.stop();
}
