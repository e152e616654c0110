import { ensureOrdersTable, localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local';
import { seedLocalAccounts } from '../../scripts/local/accounts';
import { freePort } from '../../scripts/local/fakes/free-port';

/**
 * Integration tests run against Amazon's DynamoDB Local (in memory, on a free port), started once for
 * the project. Tests read its endpoint and table name from the environment.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = await freePort();
  const region = 'us-east-1';
  const dynamodb = await startDynamoDbLocal({ port, region });
  const tableName = 'orders-integration';
  const client = localClient(dynamodb.endpoint, region);
  await ensureOrdersTable(client, tableName);
  // The accounts table as `npm start` seeds it: local-account / local-secret, other-account / other-secret.
  const accountsTableName = 'accounts-integration';
  await seedLocalAccounts(client, accountsTableName);
  client.destroy();
  process.env.DYNAMODB_ENDPOINT = dynamodb.endpoint;
  process.env.ORDERS_TABLE_NAME = tableName;
  process.env.ACCOUNTS_TABLE_NAME = accountsTableName;
  process.env.AWS_REGION = region;
  (globalThis as { __dynamodbLocal__?: typeof dynamodb }).__dynamodbLocal__ = dynamodb;
}
