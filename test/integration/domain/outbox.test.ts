import { afterAll, describe, expect, test } from '@jest/globals';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { completeOrder } from '../../../domain/complete-order';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { pendingShard } from '../../../adapters/dynamodb/keys';
import type { AccountOrder } from '../../../domain/order';
import {
  ACCOUNT,
  anOrder,
  connect,
  mustGetItem,
  orderKey,
  putRawItem,
  uniqueHandle,
  withoutCompletionFields,
} from '../support/dynamo';
import { ManualClock, makeDeps, PUBLISH_LEASE_MS, RecordingPublisher } from '../../support/fakes';

/**
 * The pending_event outbox on the item: a failed publish is kept (the request still answers), retried with the
 * same event_id, once; while pending, the item is in the sparse pending-events index the relay reads.
 */
const dynamo = connect();
afterAll(() => dynamo.destroy());

const input = (order: AccountOrder) => ({ account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });

describe('the publish fails after the write', () => {
  test('the request still resolves (publishFailed); the order stays completed with its event pending, indexed and the lease released; retries publish it once', async () => {
    const order = anOrder({ order_handle: uniqueHandle('publish-fails'), status: 'ongoing' });
    await dynamo.seeder.putOrders([order]);
    const before = await mustGetItem(dynamo.client, order);
    const clock = new ManualClock();
    const publisher = new RecordingPublisher().failing();
    const { deps, warnings } = makeDeps(dynamo.store, { publisher, now: clock.now });

    const failed = await completeOrder(deps, input(order));

    expect(failed).toMatchObject({ transitioned: true, publishFailed: true, order: { status: 'completed' } });
    const afterFailure = await mustGetItem(dynamo.client, order);
    const completedAt = clock.now().toISOString();
    const eventId = orderCompletedEventId(orderKey(order), completedAt);
    expect(afterFailure.status).toBe('completed');
    expect(afterFailure.completed_at).toBe(completedAt);
    expect(failed.order.completed_at).toBe(completedAt);
    expect(afterFailure.pending_event).toEqual({ event_id: eventId, since: completedAt, lease_until: 0 });
    // Top-level copies that put the item in the sparse pending-events index while (and only while) it is pending.
    expect(afterFailure.pending_shard).toBe(pendingShard(eventId));
    expect(afterFailure.pending_since).toBe(completedAt);
    expect((afterFailure.timeline as { type: string }[]).map((event) => event.type)).toEqual([
      ...(before.timeline as { type: string }[]).map((event) => event.type),
      'order_completed',
    ]);
    expect(withoutCompletionFields(afterFailure)).toEqual(withoutCompletionFields(before));
    expect(publisher.attempts.map((detail) => detail.event_id)).toEqual([eventId]);
    expect(publisher.published).toEqual([]);
    expect(warnings.warnings).toEqual([
      {
        message: 'OrderCompleted not published; left pending for the relay',
        details: { event_id: eventId, error: expect.stringContaining('eventbridge is unavailable') },
      },
    ]);

    // A retry at once (no waiting for the lease: it was released) with a working publisher.
    publisher.working();
    clock.advance(1);
    const retried = await completeOrder(deps, input(order));

    expect(retried.transitioned).toBe(false);
    expect(retried.order.status).toBe('completed');
    expect(retried.order.completed_at).toBe(completedAt);
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toEqual(publisher.attempts[0]);
    expect(publisher.published[0]?.event_id).toBe(eventId);
    const afterRetry = await mustGetItem(dynamo.client, order);
    expect(Object.hasOwn(afterRetry, 'pending_event')).toBe(false);
    const { pending_event: _pending, pending_shard: _shard, pending_since: _since, ...restAfterFailure } = afterFailure;
    expect(afterRetry).toEqual(restAfterFailure);

    // A further retry: nothing left to publish, nothing written.
    clock.advance(PUBLISH_LEASE_MS * 2);
    const again = await completeOrder(deps, input(order));
    expect(again.transitioned).toBe(false);
    expect(publisher.attempts).toHaveLength(2);
    expect(publisher.published).toHaveLength(1);
    expect(await mustGetItem(dynamo.client, order)).toEqual(afterRetry);
  });

  test('a retry that fails again keeps the same pending event (same event_id) and releases the lease again', async () => {
    const order = anOrder({ order_handle: uniqueHandle('publish-fails-twice'), status: 'planned' });
    await dynamo.seeder.putOrders([order]);
    const publisher = new RecordingPublisher().failing();
    const { deps } = makeDeps(dynamo.store, { publisher });

    expect(await completeOrder(deps, input(order))).toMatchObject({ transitioned: true, publishFailed: true });
    const pending = (await mustGetItem(dynamo.client, order)).pending_event;
    expect(await completeOrder(deps, input(order))).toMatchObject({ transitioned: false, publishFailed: true });

    expect((await mustGetItem(dynamo.client, order)).pending_event).toEqual(pending);
    expect(new Set(publisher.attempts.map((detail) => detail.event_id)).size).toBe(1);
    expect(publisher.attempts).toHaveLength(2);

    publisher.working();
    expect(await completeOrder(deps, input(order))).toMatchObject({ transitioned: false, publishFailed: false });
    expect(publisher.published).toHaveLength(1);
    expect(Object.hasOwn(await mustGetItem(dynamo.client, order), 'pending_event')).toBe(false);
  });

  test('an unexpected publisher error is answered like an outage: the write stands and the event stays pending', async () => {
    const order = anOrder({ order_handle: uniqueHandle('publish-bug'), status: 'ongoing' });
    await dynamo.seeder.putOrders([order]);
    const publisher = new RecordingPublisher().failing(new TypeError('boom'));
    const { deps, warnings } = makeDeps(dynamo.store, { publisher });

    expect(await completeOrder(deps, input(order))).toMatchObject({ transitioned: true, publishFailed: true });
    expect((await mustGetItem(dynamo.client, order)).pending_event).toMatchObject({ lease_until: 0 });
    expect(warnings.warnings[0]?.details.error).toBe('TypeError: boom');

    publisher.working();
    await completeOrder(deps, input(order));
    expect(publisher.published).toHaveLength(1);
  });
});

describe('the publish lease', () => {
  /** A completed order whose event is pending and leased until `leaseUntil` (as a request mid-publish leaves it). */
  const seedPending = async (label: string, completedAt: Date, leaseUntil: number) => {
    const order = anOrder({
      order_handle: uniqueHandle(label),
      status: 'completed',
      completed_at: completedAt.toISOString(),
    });
    const eventId = orderCompletedEventId(orderKey(order), completedAt.toISOString());
    await putRawItem(dynamo.client, {
      ...toItem(order),
      pending_event: { event_id: eventId, since: completedAt.toISOString(), lease_until: leaseUntil },
    });
    return { order, eventId };
  };

  test('while the lease runs nobody else publishes; once it ran out a retry claims it and publishes the same event_id', async () => {
    const completedAt = new Date('2024-03-01T10:00:00.000Z');
    const leaseUntil = completedAt.getTime() + PUBLISH_LEASE_MS;
    const { order, eventId } = await seedPending('lease', completedAt, leaseUntil);
    const before = await mustGetItem(dynamo.client, order);
    const clock = new ManualClock(new Date(completedAt.getTime() + 1_000));
    const { deps, publisher } = makeDeps(dynamo.store, { now: clock.now });

    const during = await completeOrder(deps, input(order));
    expect(during.transitioned).toBe(false);
    for (const internal of ['pk', 'sk', 'account_id', 'pending_event'])
      expect(Object.hasOwn(during.order, internal)).toBe(false);
    expect(publisher.attempts).toEqual([]);
    expect(await mustGetItem(dynamo.client, order)).toEqual(before);

    // Exactly at lease_until the lease is over (lease_until > now is what holds it).
    clock.advance(PUBLISH_LEASE_MS - 1_000);
    const after = await completeOrder(deps, input(order));

    expect(after.transitioned).toBe(false);
    expect(after.order.completed_at).toBe(completedAt.toISOString());
    expect(publisher.published.map((detail) => detail.event_id)).toEqual([eventId]);
    expect(publisher.published[0]).toMatchObject({
      order_handle: order.order_handle,
      completed_at: completedAt.toISOString(),
    });
    const stored = await mustGetItem(dynamo.client, order);
    expect(Object.hasOwn(stored, 'pending_event')).toBe(false);
    const { pending_event: _pending, pending_shard: _shard, pending_since: _since, ...beforeWithoutPending } = before;
    expect(stored).toEqual(beforeWithoutPending);
  });

  test('a publisher that hangs holds the lease: a retry inside the lease publishes nothing, a retry after it takes over', async () => {
    const order = anOrder({ order_handle: uniqueHandle('lease-hang'), status: 'dispatched' });
    await dynamo.seeder.putOrders([order]);
    const clock = new ManualClock();
    const publisher = new RecordingPublisher();
    const held = publisher.holdNext();
    const { deps } = makeDeps(dynamo.store, { publisher, now: clock.now });

    const first = completeOrder(deps, input(order));
    await held.started;
    const pending = (await mustGetItem(dynamo.client, order)).pending_event;
    expect(pending).toMatchObject({ lease_until: clock.now().getTime() + PUBLISH_LEASE_MS });

    clock.advance(PUBLISH_LEASE_MS - 1);
    await completeOrder(deps, input(order));
    expect(publisher.attempts).toHaveLength(1);
    expect(publisher.published).toEqual([]);

    clock.advance(1);
    const takeover = await completeOrder(deps, input(order));
    expect(takeover.transitioned).toBe(false);
    expect(publisher.published).toHaveLength(1);
    expect(Object.hasOwn(await mustGetItem(dynamo.client, order), 'pending_event')).toBe(false);

    // The stuck request finally returns: same event_id (subscribers de-duplicate), nothing else written.
    held.release();
    const firstResult = await first;
    expect(firstResult.transitioned).toBe(true);
    expect(new Set(publisher.published.map((detail) => detail.event_id)).size).toBe(1);
    expect(Object.hasOwn(await mustGetItem(dynamo.client, order), 'pending_event')).toBe(false);
  });

  test('two retries racing for an expired lease: only one claims it and publishes', async () => {
    const completedAt = new Date('2024-03-01T10:00:00.000Z');
    const { order, eventId } = await seedPending('lease-race', completedAt, 0);
    const publisher = new RecordingPublisher();
    const clock = new ManualClock(new Date('2024-03-01T10:05:00.000Z'));

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        completeOrder(makeDeps(dynamo.store, { publisher, now: clock.now }).deps, input(order)),
      ),
    );

    expect(results.every((result) => !result.transitioned)).toBe(true);
    expect(publisher.attempts.map((detail) => detail.event_id)).toEqual([eventId]);
    expect(Object.hasOwn(await mustGetItem(dynamo.client, order), 'pending_event')).toBe(false);
  });
});

describe('releasing the publish lease', () => {
  test('a publisher releases only the lease it holds, never one another request took over', async () => {
    const order = anOrder({
      order_handle: uniqueHandle('release-own'),
      status: 'completed',
      completed_at: '2025-01-01T00:00:00.000Z',
    });
    const pending = { event_id: 'a'.repeat(32), since: '2025-01-01T00:00:00.000Z', lease_until: 2_000 };
    await putRawItem(dynamo.client, { ...toItem(order), pending_event: pending });

    await dynamo.store.releasePendingEvent(orderKey(order), pending.event_id, 1_000); // a lease it no longer holds
    expect((await mustGetItem(dynamo.client, order)).pending_event).toEqual(pending);

    await dynamo.store.releasePendingEvent(orderKey(order), pending.event_id, 2_000); // its own lease
    expect((await mustGetItem(dynamo.client, order)).pending_event).toEqual({ ...pending, lease_until: 0 });
  });
});
