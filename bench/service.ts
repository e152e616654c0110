/**
 * Every call the bench harness makes into the service's own modules, in one place (the bundles under test are built
 * from handlers/ and bench/baseline-handler.ts and never import this). When the service's modules move, this is
 * the file to fix.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, toDocumentClient } from '../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../adapters/dynamodb/seeder';
import { AccountsTable } from '../adapters/credentials/accounts-table';
import { importedAccount } from '../domain/accounts';
import type { AccountOrder, TimelineEvent } from '../domain/order';
import { LOCAL_ACCOUNTS_FILE, readAccountsDocument } from '../scripts/local/accounts';

export type BenchOrder = AccountOrder;
export type { TimelineEvent };

/**
 * A client for the harness's own writes: the service's SDK budgets, but a minute per attempt, since DynamoDB
 * Local may take longer than the request path's 2 s to take (or refuse) a batch of orders near 400 KB each.
 */
const harnessClient = (endpoint: string) =>
  toDocumentClient(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    }),
  );

/** Writes whole orders through the service's own seeding path (its item layout and keys). */
export const seedOrders = async (endpoint: string, table: string, orders: readonly AccountOrder[]): Promise<void> => {
  const client = harnessClient(endpoint);
  try {
    await new DynamoDbOrderSeeder(client, table).putOrders(orders);
  } finally {
    client.destroy();
  }
};

/** Writes the local accounts (local-account / local-secret, ...) into an existing accounts table, as `npm start` does. */
export const seedAccounts = async (endpoint: string, table: string): Promise<void> => {
  const client = createDocumentClient({ endpoint, region: 'us-east-1' });
  try {
    const now = new Date();
    const { accounts } = readAccountsDocument(LOCAL_ACCOUNTS_FILE);
    await new AccountsTable(client, table).putAll(
      Object.entries(accounts).map(([id, hash]) => importedAccount(id, hash, now)),
    );
  } finally {
    client.destroy();
  }
};
