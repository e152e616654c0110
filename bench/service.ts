/**
 * Every call the bench harness makes into the service's own modules, in one place (the bundles under test are built
 * from handlers/ and bench/baseline-handler.ts and never import this). When the service's modules move, this is
 * the file to fix.
 */
import { createDocumentClient } from '../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../adapters/dynamodb/seeder';
import type { AccountOrder } from '../domain/order';

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
