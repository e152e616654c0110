import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountOrder } from '../../domain/order';
import { queryItems, untilProcessed } from './calls';
import { partitionKey, sortKey } from './keys';
import { trackChunksQuery } from './track-chunks';
import { DynamoDbTrackStore, staysInline, type Fix } from './track-store';

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string][number];

/**
 * The order as ONE item, track included: the layout every order had before long tracks moved apart
 * (./track-store.ts). Old orders in the table look like this until the migration moves their tracks; tests use it to
 * store such orders.
 */
export const toItem = (order: AccountOrder): Record<string, unknown> => ({
  ...order,
  pk: partitionKey(order.account_id, order.order_handle),
  sk: sortKey(order.type, order.type_index, order.fulfillment_attempt),
});

/** The track the seeder moves apart (undefined: it stays in the record as given). */
const longTrack = (order: AccountOrder): Fix[] | undefined => {
  const coordinates = order.polyline?.coordinates;
  return coordinates === undefined || staysInline(coordinates) ? undefined : coordinates;
};

/**
 * Writes whole orders into the table (seeding, imports); not part of the service's request path. A short track is
 * written inline in the record; a long one goes through the track store's append (DynamoDbTrackStore.appendFixes),
 * as a tracking pipeline would write it.
 */
export class DynamoDbOrderSeeder {
  private readonly tracks: DynamoDbTrackStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.tracks = new DynamoDbTrackStore(client, tableName);
  }

  /**
   * Upserts whole orders, 25 at a time, retrying unprocessed items. An order seeded again replaces its track: the
   * chunks of its earlier track are deleted first, then the record is written without its long track, which is then
   * appended.
   */
  async putOrders(orders: readonly AccountOrder[]): Promise<void> {
    for (let start = 0; start < orders.length; start += 25) {
      const batch = orders.slice(start, start + 25);
      await this.deleteChunks(batch);
      const requests: WriteRequest[] = batch.map((order) => {
        const item = toItem(order);
        if (longTrack(order) !== undefined) delete item.polyline;
        return { PutRequest: { Item: item } };
      });
      await this.batchWrite(requests);
      for (const order of batch) {
        const track = longTrack(order);
        if (track !== undefined) await this.tracks.appendFixes(order, track);
      }
    }
  }

  /** Deletes every track chunk of these orders' records (none for records never seeded or with short tracks). */
  private async deleteChunks(orders: readonly AccountOrder[]): Promise<void> {
    const deletes: WriteRequest[] = [];
    for (const order of orders) {
      for await (const item of queryItems(this.client, trackChunksQuery(this.tableName, order, 'pk, sk'))) {
        deletes.push({ DeleteRequest: { Key: { pk: String(item.pk), sk: String(item.sk) } } });
      }
    }
    await this.batchWrite(deletes);
  }

  private async batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      await untilProcessed(requests.slice(start, start + 25), async (batch) => {
        const output = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }));
        return output.UnprocessedItems?.[this.tableName] ?? [];
      });
    }
  }
}
