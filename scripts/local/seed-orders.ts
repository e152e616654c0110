import { readFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { accountOrderSchema, type AccountOrder } from '../../domain/order';
import { DynamoDbOrderSeeder } from '../../adapters/dynamodb/seeder';
import { orderItemKey } from '../../adapters/dynamodb/keys';
import { toDocumentClient } from '../../adapters/aws-clients';

export interface SeedReport {
  written: number;
  problems: string[];
}

/** Validates every record against the order schema first; writes nothing unless all are valid. */
export const validateOrders = (input: unknown): { orders: AccountOrder[]; problems: string[] } => {
  if (!Array.isArray(input)) return { orders: [], problems: ['the file must hold a JSON array of orders'] };
  const orders: AccountOrder[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  input.forEach((record: unknown, index) => {
    const handle =
      typeof record === 'object' && record !== null && 'order_handle' in record
        ? JSON.stringify(record.order_handle)
        : '?';
    const parsed = accountOrderSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const where = issue.path.length > 0 ? issue.path.join('.') : '(record)';
        problems.push(`record ${index} (order_handle ${handle}): ${where}: ${issue.message}`);
      }
      return;
    }
    const { pk, sk } = orderItemKey(parsed.data);
    const key = `${pk}\u0000${sk}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(
        `record ${index} (order_handle ${handle}): same account, handle, type, type_index and fulfillment_attempt as record ${first}`,
      );
      return;
    }
    seen.set(key, index);
    orders.push(parsed.data);
  });
  return { orders, problems };
};

export const seedOrdersFromFile = async (
  client: DynamoDBClient,
  tableName: string,
  file: string,
): Promise<SeedReport> => {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { written: 0, problems: [`${file}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const { orders, problems } = validateOrders(input);
  if (problems.length > 0) return { written: 0, problems };
  await new DynamoDbOrderSeeder(toDocumentClient(client), tableName).putOrders(orders);
  return { written: orders.length, problems: [] };
};
