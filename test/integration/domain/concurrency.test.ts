import { afterAll, describe, expect, test } from '@jest/globals';
import { completeOrder, type CompleteOrderResult } from '../../../domain/complete-order';
import type { OrderSelector } from '../../../domain/selection';
import { ACCOUNT, anOrder, connect, mustGetItem, uniqueHandle } from '../support/dynamo';
import { makeDeps, RecordingPublisher } from '../../support/fakes';

/** Many completes of one order at once against the real conditional write: exactly one wins. */
const dynamo = connect();
afterAll(() => dynamo.destroy());

const timelineTypes = (item: Record<string, unknown>): string[] =>
  (item.timeline as { type: string }[]).map((event) => event.type);

describe('concurrent completes of one order', () => {
  test.each([
    ['one shared clock tick', 40, true],
    ['each with its own clock', 50, false],
  ] as const)(
    '%s (%i calls): one transition, one timeline event, one event, same answer',
    async (_label, calls, sameInstant) => {
      const order = anOrder({
        order_handle: uniqueHandle('concurrent'),
        status: 'ongoing',
        type: 'drop',
        type_index: 1,
        fulfillment_attempt: 3,
      });
      await dynamo.seeder.putOrders([order]);
      const publisher = new RecordingPublisher();
      const instant = new Date();
      const selectors: OrderSelector[] = [
        {},
        { type: 'drop' },
        { type: 'drop', type_index: 1 },
        { type: 'drop', type_index: 1, fulfillment_attempt: 3 },
      ];

      const results: CompleteOrderResult[] = await Promise.all(
        Array.from({ length: calls }, (_, i) => {
          const { deps } = makeDeps(dynamo.store, { publisher, ...(sameInstant ? { now: () => instant } : {}) });
          return completeOrder(deps, {
            account_id: ACCOUNT,
            order_handle: order.order_handle,
            selector: selectors[i % selectors.length] ?? {},
          });
        }),
      );

      expect(results).toHaveLength(calls);
      expect(results.filter((result) => result.transitioned)).toHaveLength(1);
      const completedAts = new Set(results.map((result) => result.order.completed_at));
      expect(completedAts.size).toBe(1);
      for (const result of results) {
        expect(result.order.status).toBe('completed');
        expect(Object.hasOwn(result.order, 'pending_event')).toBe(false);
      }

      const stored = await mustGetItem(dynamo.client, order);
      expect(stored.status).toBe('completed');
      expect([...completedAts]).toEqual([stored.completed_at]);
      expect(timelineTypes(stored).filter((type) => type === 'order_completed')).toHaveLength(1);
      expect(timelineTypes(stored)).toEqual([...(order.timeline ?? []).map((event) => event.type), 'order_completed']);
      expect(Object.hasOwn(stored, 'pending_event')).toBe(false);

      expect(publisher.attempts).toHaveLength(1);
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0]?.completed_at).toBe(stored.completed_at);
    },
  );

  test('while the winner publish fails: at most one publish succeeds, and one later retry leaves exactly one event', async () => {
    const order = anOrder({ order_handle: uniqueHandle('concurrent-failing'), status: 'assigned' });
    await dynamo.seeder.putOrders([order]);
    // The winner's publish (the first one to reach the publisher) fails; every later publish works.
    const publisher = new RecordingPublisher().failingNext(1);

    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, () => {
        const { deps } = makeDeps(dynamo.store, { publisher });
        return completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });
      }),
    );

    // Every caller gets the completed order; only the winner's publish failed (it is left pending).
    expect(settled.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    const results = settled.map((outcome) => (outcome as PromiseFulfilledResult<CompleteOrderResult>).value);
    expect(results.filter((result) => result.transitioned)).toHaveLength(1);
    expect(results.find((result) => result.transitioned)?.publishFailed).toBe(true);
    expect(new Set(results.map((result) => result.order.completed_at)).size).toBe(1);
    expect(publisher.published.length).toBeLessThanOrEqual(1);

    // Whatever the interleaving, one more retry settles it: exactly one confirmed event, marker gone.
    const { deps } = makeDeps(dynamo.store, { publisher });
    const retry = await completeOrder(deps, { account_id: ACCOUNT, order_handle: order.order_handle, selector: {} });
    expect(retry.transitioned).toBe(false);
    expect(publisher.published).toHaveLength(1);
    expect(new Set(publisher.attempts.map((detail) => detail.event_id)).size).toBe(1);
    const stored = await mustGetItem(dynamo.client, order);
    expect(Object.hasOwn(stored, 'pending_event')).toBe(false);
    expect(timelineTypes(stored).filter((type) => type === 'order_completed')).toHaveLength(1);
  });
});
