import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountOrder } from '../../domain/order';
import { untilProcessed } from './calls';
import { partitionKey, sortKey } from './keys';

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string][number];

/** The stored item for an order: its API fields, its owner and its keys. */
export const toItem = (order: AccountOrder): Record<string, unknown> => ({
  ...order,
  pk: partitionKey(order.account_id, order.order_handle),
  sk: sortKey(order.type, order.type_index, order.fulfillment_attempt),
});

/** Writes whole orders into the table (seeding, imports); not part of the service's request path. */
export class DynamoDbOrderSeeder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Upserts whole orders, 25 at a time, retrying unprocessed items. */
  async putOrders(orders: readonly AccountOrder[]): Promise<void> {
    for (let start = 0; start < orders.length; start += 25) {
      const requests: WriteRequest[] = orders
        .slice(start, start + 25)
        .map((order) => ({ PutRequest: { Item: toItem(order) } }));
      await untilProcessed(requests, async (batch) => {
        const output = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }));
        return output.UnprocessedItems?.[this.tableName] ?? [];
      });
    }
  }
}
