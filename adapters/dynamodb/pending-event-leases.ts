import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderKey } from '../../domain/order-fields';
import type { PendingEventLease, RouteHandleFill } from '../../domain/ports';
import { conditionalUpdate } from './calls';
import { LEASE_EXPIRED_AS_SEEN, LEASE_STILL_HELD, PENDING_EVENT_IS, withFill } from './conditions';

/**
 * The outbox marker's lease writes (claim, release, clear), each one conditional write on the order's item: all the
 * request path needs of the outbox's storage. The relay's store (./pending-event-store.ts) adds the index reads.
 */
export class DynamoDbPendingEventLeases implements PendingEventLease {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async claimPendingEvent(
    key: OrderKey,
    eventId: string,
    expiredLeaseUntil: number,
    leaseUntil: number,
  ): Promise<boolean> {
    return conditionalUpdate(this.client, this.tableName, key, 'SET pending_event.lease_until = :lease_until', {
      condition: LEASE_EXPIRED_AS_SEEN,
      values: { ':event_id': eventId, ':expired': expiredLeaseUntil, ':lease_until': leaseUntil },
    });
  }

  async releasePendingEvent(key: OrderKey, eventId: string, leaseUntil: number, fill?: RouteHandleFill): Promise<void> {
    // Only our own lease: if another request took it over meanwhile, its lease stands.
    const change = {
      condition: LEASE_STILL_HELD,
      values: { ':event_id': eventId, ':held': leaseUntil, ':released': 0 },
    };
    await conditionalUpdate(
      this.client,
      this.tableName,
      key,
      'SET pending_event.lease_until = :released',
      withFill(change, fill),
    );
  }

  async clearPendingEvent(key: OrderKey, eventId: string, fill?: RouteHandleFill): Promise<void> {
    // Leaving the pending-events index with it.
    const change = { condition: PENDING_EVENT_IS, values: { ':event_id': eventId } };
    await conditionalUpdate(
      this.client,
      this.tableName,
      key,
      'REMOVE pending_event, pending_shard, pending_since',
      withFill(change, fill),
    );
  }
}
