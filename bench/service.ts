/**
 * Every call the bench harness makes into the service's own modules, in one place (the bundles under test are built
 * from handlers/ and bench/baseline-handler.ts and never import this). When the service's modules move, this is
 * the file to fix.
 */
import { createDocumentClient } from '../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../adapters/dynamodb/seeder';
import { AccountsTable } from '../adapters/credentials/accounts-table';
import { importedAccount } from '../domain/accounts';
import type { AccountOrder } from '../domain/order';
import { LOCAL_ACCOUNTS_FILE, readAccountsDocument } from '../scripts/local/accounts';

export type BenchOrder = AccountOrder;

/** Writes whole orders through the service's own seeding path (its item layout and keys). */
export const seedOrders = async (endpoint: string, table: string, orders: readonly AccountOrder[]): Promise<void> => {
  const client = createDocumentClient({ endpoint, region: 'us-east-1' });
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
