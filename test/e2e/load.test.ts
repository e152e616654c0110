import { describe, expect, test } from '@jest/globals';
import { orderCompletedEventId } from '../../domain/order-completed-event';
import {
  byEventId,
  client,
  completeJson,
  eventsAfterQuietWindow,
  getRaw,
  makeOrder,
  readEvents,
  recordOf,
  seedOrders,
  timelineOf,
  uniqueHandle,
  waitForEvents,
  type HttpResult,
} from './support/e2e';

/**
 * Load and concurrency over HTTP against the local stack (serverless offline, DynamoDB Local, the local
 * EventBridge and subscriber): answers, stored state and delivered events (events.jsonl, by event_id).
 */

/** Runs `tasks` with at most `concurrency` in flight. */
const pool = async <T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> => {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
};

describe('load and concurrency over HTTP', () => {
  test('100 concurrent completes of one order: all 200, one completed_at, one timeline entry, one event', async () => {
    const handle = uniqueHandle('load-one');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);

    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 100 }, () => completeJson(handle)));
    const ms = Date.now() - started;

    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    const completedAts = new Set(responses.map((response) => response.body.completed_at));
    expect(completedAts.size).toBe(1);
    const stored = await getRaw(client, recordOf(handle));
    expect([...completedAts]).toEqual([stored?.completed_at]);
    expect(timelineOf(stored!).filter((event) => event.type === 'order_completed')).toHaveLength(1);
    for (const response of responses)
      expect(timelineOf(response.body).filter((event) => event.type === 'order_completed')).toHaveLength(1);

    const eventId = orderCompletedEventId(recordOf(handle), stored?.completed_at as string);
    await waitForEvents(byEventId(eventId), 1, 15_000);
    expect(await eventsAfterQuietWindow(byEventId(eventId), 2_000)).toHaveLength(1);
    expect(Object.hasOwn((await getRaw(client, recordOf(handle)))!, 'pending_event')).toBe(false);
    process.stdout.write(`100 concurrent completes of one order: ${ms} ms\n`);
  }, 90_000);

  test('500 distinct orders at concurrency 50: all 200, 500 events, none lost or doubled', async () => {
    const prefix = uniqueHandle('load-many');
    const handles = Array.from({ length: 500 }, (_, index) => `${prefix}-${index}`);
    await seedOrders(
      client,
      handles.map((handle) => makeOrder({ order_handle: handle })),
    );

    const started = Date.now();
    const responses: HttpResult[] = await pool(
      handles.map((handle) => () => completeJson(handle)),
      50,
    );
    const ms = Date.now() - started;

    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
    const expected = new Set(
      handles.map((handle, index) =>
        orderCompletedEventId(recordOf(handle), responses[index]?.body.completed_at as string),
      ),
    );
    expect(expected.size).toBe(500);
    const mine = (event: { detail: Record<string, unknown> }) => expected.has(String(event.detail.event_id));
    await waitForEvents(mine, 500, 60_000);
    const delivered = await eventsAfterQuietWindow(mine, 2_000);
    const counts = new Map<string, number>();
    for (const event of delivered) {
      const id = String(event.detail.event_id);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(500); // none lost
    expect([...counts.values()].filter((count) => count !== 1)).toEqual([]); // none doubled
    expect(readEvents().filter(mine)).toHaveLength(500);
    process.stdout.write(
      `500 orders at concurrency 50: ${ms} ms (${Math.round((500 * 1000) / ms)} completes/s), 500/500 events\n`,
    );
  }, 180_000);
});
