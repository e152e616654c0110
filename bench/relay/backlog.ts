import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../adapters/aws-clients';
import { allPendingShards, pendingShard } from '../../adapters/dynamodb/keys';
import { toItem } from '../../adapters/dynamodb/seeder';
import type { ListPart } from '../../domain/ports';
import { orderCompletedEventId } from '../../domain/order-completed-event';
import { benchOrder } from '../orders';

/**
 * A backlog of `count` completed orders whose events are pending, their leases run out (as after an outage); with
 * `part`, only events in that part's shards (what one deployed relay invocation drains).
 */
export const seedBacklog = async (table: string, endpoint: string, count: number, part?: ListPart): Promise<void> => {
  const client = createDocumentClient({ region: 'us-east-1', endpoint });
  const since = Date.parse('2026-12-01T10:00:00.000Z');
  const ownShards = new Set(allPendingShards().filter((_, i) => part === undefined || i % part.count === part.index));
  const items = [];
  for (let i = 0; items.length < count; i += 1) {
    const completedAt = new Date(since + i).toISOString();
    const order = { ...benchOrder('local-account', `relay-bench-${i}`, 10), status: 'completed' as const };
    const key = {
      account_id: order.account_id,
      order_handle: order.order_handle,
      type: 'drop' as const,
      type_index: 0,
      fulfillment_attempt: 0,
    };
    const eventId = orderCompletedEventId(key, completedAt);
    if (!ownShards.has(pendingShard(eventId))) continue;
    items.push({
      ...toItem({ ...order, completed_at: completedAt }),
      pending_event: { event_id: eventId, since: completedAt, lease_until: 0 },
      pending_shard: pendingShard(eventId),
      pending_since: completedAt,
    });
  }
  const batches: (typeof items)[] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  const next = { index: 0 };
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let batch = batches[next.index++]; batch !== undefined; batch = batches[next.index++]) {
        await client.send(
          new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }),
        );
      }
    }),
  );
  client.destroy();
};
