import { beforeEach, describe, expect, test } from '@jest/globals';
import { BreakerPublisher, CircuitBreaker } from '../../../domain/circuit-breaker';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import type { PendingEvent } from '../../../domain/ports';
import {
  PUBLISH_MARGIN_MS,
  completeOrder,
  type CompleteOrderDeps,
  type CompleteOrderInput,
} from '../../../domain/complete-order';
import {
  AmbiguousOrder,
  DependencyUnavailable,
  EventNotPublished,
  OrderNotCompletable,
  OrderNotFound,
} from '../../../domain/errors';
import { parseOrderCompletedDetail } from '../../../contracts/order-completed';
import type { OrderKey } from '../../../domain/order-fields';
import { InMemoryOrderStore, type SeedOrder } from '../support/fakes';
import { ManualClock, RecordingPublisher, RecordingWarnings, makeDeps } from '../../support/fakes';

const ACCOUNT = 'acct-1';
const HANDLE = 'order-1';
const START = Date.parse('2025-03-01T12:00:00.000Z');
const LEASE_MS = 10_000;
const EARLIER = '2025-02-28T08:00:00.000Z';

const key: OrderKey = {
  account_id: ACCOUNT,
  order_handle: HANDLE,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
};
const input: CompleteOrderInput = { account_id: ACCOUNT, order_handle: HANDLE, selector: {} };

const order = (overrides: Partial<SeedOrder> = {}): SeedOrder => ({
  order_handle: HANDLE,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'dispatched',
  route_handle: 'route-1',
  worker_handle: 'worker-1',
  metadata: { ref: 'R-1' },
  timeline: [{ type: 'order_created', recorded_at: EARLIER }],
  ...overrides,
});

let store: InMemoryOrderStore;
let publisher: RecordingPublisher;
let warnings: RecordingWarnings;
let clock: ManualClock;
let deps: CompleteOrderDeps;

beforeEach(() => {
  store = new InMemoryOrderStore();
  publisher = new RecordingPublisher();
  warnings = new RecordingWarnings();
  clock = new ManualClock(START);
  ({ deps } = makeDeps(store, { publisher, warnings, now: clock.now, publishLeaseMs: LEASE_MS }));
});

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('completeOrder: a completable order', () => {
  test('makes the transition, publishes exactly one event, then clears the pending marker', async () => {
    store.put(ACCOUNT, order());
    const completedAt = new Date(START).toISOString();
    const expectedEventId = orderCompletedEventId(key, completedAt);

    let pendingWhilePublishing: PendingEvent | undefined;
    publisher.onPublish = () => {
      pendingWhilePublishing = store.get(key)?.pending_event;
    };

    const result = await completeOrder(deps, input);

    expect(result.transitioned).toBe(true);
    expect(result.order).toMatchObject({ status: 'completed', completed_at: completedAt, order_handle: HANDLE });
    for (const internal of ['pk', 'sk', 'account_id', 'pending_event'])
      expect(Object.keys(result.order)).not.toContain(internal);

    expect(publisher.published).toHaveLength(1);
    const [detail] = publisher.published;
    expect(() => parseOrderCompletedDetail(detail)).not.toThrow();
    expect(detail).toMatchObject({
      event_id: expectedEventId,
      account_id: ACCOUNT,
      order_handle: HANDLE,
      type: 'drop',
      type_index: 0,
      fulfillment_attempt: 0,
      completed_at: completedAt,
      route_handle: 'route-1',
      worker_handle: 'worker-1',
      metadata: { ref: 'R-1' },
    });

    // The outbox marker was written by the completing write, before the publish...
    expect(pendingWhilePublishing).toEqual({
      event_id: expectedEventId,
      since: completedAt,
      lease_until: START + LEASE_MS,
    });
    // ...and removed after it.
    expect(store.get(key)?.pending_event).toBeUndefined();
    expect(store.calls.map((call) => call.method)).toEqual(['findRecords', 'complete', 'clearPendingEvent']);
    expect(store.callsTo('clearPendingEvent')[0]?.args).toEqual([key, expectedEventId]);
    expect(warnings.warnings).toEqual([]);
  });

  test('makes ONE write carrying status, completed_at, the timeline event and the pending event', async () => {
    store.put(ACCOUNT, order());
    await completeOrder(deps, input);
    const completedAt = new Date(START).toISOString();
    expect(store.callsTo('complete')).toHaveLength(1);
    expect(store.callsTo('complete')[0]?.args[0]).toEqual({
      key,
      completed_at: completedAt,
      timeline_event: {
        type: 'order_completed',
        recorded_at: completedAt,
        order_handle: HANDLE,
        route_handle: 'route-1',
        order_type: 'drop',
        fulfillment_attempt: 0,
      },
      pending_event: {
        event_id: orderCompletedEventId(key, completedAt),
        since: completedAt,
        lease_until: START + LEASE_MS,
      },
    });
    const stored = store.get(key);
    expect(stored?.timeline).toEqual([
      { type: 'order_created', recorded_at: EARLIER },
      expect.objectContaining({ type: 'order_completed', recorded_at: completedAt }),
    ]);
  });

  test.each(['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'])(
    'completes an order in status %s',
    async (status) => {
      store.put(ACCOUNT, order({ status }));
      const result = await completeOrder(deps, input);
      expect(result.transitioned).toBe(true);
      expect(store.get(key)?.status).toBe('completed');
      expect(publisher.published).toHaveLength(1);
    },
  );

  test('passes the selector to the store and completes the latest attempt of the chosen part', async () => {
    store.put(ACCOUNT, order({ type: 'pick', status: 'completed', completed_at: EARLIER }));
    store.put(ACCOUNT, order({ fulfillment_attempt: 0, status: 'cancelled' }));
    store.put(ACCOUNT, order({ fulfillment_attempt: 1, status: 'ongoing', route_handle: 'route-2' }));
    const result = await completeOrder(deps, { ...input, selector: { type: 'drop' } });
    expect(store.callsTo('findRecords')[0]?.args).toEqual([ACCOUNT, HANDLE, { type: 'drop' }]);
    expect(result.order).toMatchObject({ type: 'drop', fulfillment_attempt: 1, status: 'completed' });
    expect(publisher.published[0]).toMatchObject({ type: 'drop', fulfillment_attempt: 1, route_handle: 'route-2' });
  });

  test('an ambiguous handle writes nothing', async () => {
    store.put(ACCOUNT, order({ type: 'pick' }));
    store.put(ACCOUNT, order({ type: 'drop' }));
    await expect(completeOrder(deps, input)).rejects.toBeInstanceOf(AmbiguousOrder);
    expect(store.callsTo('complete')).toEqual([]);
    expect(publisher.published).toEqual([]);
  });
});

describe('completeOrder: an order that is already completed', () => {
  test.each(['completed', 'summarizing'])(
    '%s without a pending event: no publish, transitioned false',
    async (status) => {
      store.put(ACCOUNT, order({ status, completed_at: EARLIER }));
      const result = await completeOrder(deps, input);
      expect(result.transitioned).toBe(false);
      expect(result.order).toMatchObject({ status, completed_at: EARLIER });
      expect(publisher.published).toEqual([]);
      expect(store.callsTo('claimPendingEvent')).toEqual([]);
      expect(store.get(key)?.timeline).toHaveLength(1);
    },
  );

  test('with a pending event whose lease expired: claims it and republishes with the SAME event_id', async () => {
    const pending: PendingEvent = {
      event_id: 'aaaabbbbccccddddeeeeffff00001111',
      since: EARLIER,
      lease_until: START - 1,
    };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));

    const result = await completeOrder(deps, input);

    expect(result.transitioned).toBe(false);
    expect(result.order).toMatchObject({ status: 'completed', completed_at: EARLIER });
    expect(Object.keys(result.order)).not.toContain('pending_event');
    expect(store.callsTo('claimPendingEvent')[0]?.args).toEqual([key, pending.event_id, START - 1, START + LEASE_MS]);
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]?.event_id).toBe(pending.event_id);
    expect(publisher.published[0]?.completed_at).toBe(EARLIER);
    expect(() => parseOrderCompletedDetail(publisher.published[0])).not.toThrow();
    expect(store.get(key)?.pending_event).toBeUndefined();
  });

  test('with a released lease (lease_until 0): republishes at once', async () => {
    const pending: PendingEvent = { event_id: 'aaaabbbbccccddddeeeeffff00001111', since: EARLIER, lease_until: 0 };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));
    await completeOrder(deps, input);
    expect(publisher.published.map((detail) => detail.event_id)).toEqual([pending.event_id]);
  });

  test('a lease ending exactly now counts as expired', async () => {
    const pending: PendingEvent = { event_id: 'aaaabbbbccccddddeeeeffff00001111', since: EARLIER, lease_until: START };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));
    await completeOrder(deps, input);
    expect(publisher.published).toHaveLength(1);
  });

  test('with a pending event whose lease is still live: no claim, no publish', async () => {
    const pending: PendingEvent = {
      event_id: 'aaaabbbbccccddddeeeeffff00001111',
      since: EARLIER,
      lease_until: START + 1,
    };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));
    const result = await completeOrder(deps, input);
    expect(result.transitioned).toBe(false);
    expect(store.callsTo('claimPendingEvent')).toEqual([]);
    expect(publisher.published).toEqual([]);
    expect(store.get(key)?.pending_event).toEqual(pending);
  });

  test('when another request claims the lease first: no publish', async () => {
    const pending: PendingEvent = {
      event_id: 'aaaabbbbccccddddeeeeffff00001111',
      since: EARLIER,
      lease_until: START - 5,
    };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));
    store.before.claimPendingEvent = () =>
      store.mutate(key, (item) => {
        if (item.pending_event) item.pending_event.lease_until = START + 9_999; // the other request's lease
      });

    const result = await completeOrder(deps, input);

    expect(result.transitioned).toBe(false);
    expect(store.callsTo('claimPendingEvent')).toHaveLength(1);
    expect(publisher.published).toEqual([]);
    expect(store.get(key)?.pending_event?.lease_until).toBe(START + 9_999);
  });
});

describe('completeOrder: refusals', () => {
  test.each(['cancelled', 'disabled'] as const)(
    '%s -> OrderNotCompletable, nothing written or published',
    async (status) => {
      store.put(ACCOUNT, order({ status }));
      const error = await rejection(completeOrder(deps, input));
      expect(error).toBeInstanceOf(OrderNotCompletable);
      expect((error as OrderNotCompletable).status).toBe(status);
      expect(store.get(key)?.status).toBe(status);
      expect(store.get(key)?.pending_event).toBeUndefined();
      expect(publisher.published).toEqual([]);
    },
  );

  test('no record -> OrderNotFound', async () => {
    await expect(completeOrder(deps, input)).rejects.toBeInstanceOf(OrderNotFound);
    expect(store.callsTo('complete')).toEqual([]);
  });

  test("another account's order -> OrderNotFound", async () => {
    store.put('acct-2', order());
    await expect(completeOrder(deps, input)).rejects.toBeInstanceOf(OrderNotFound);
    expect(publisher.published).toEqual([]);
  });

  test('a record deleted between lookup and write -> OrderNotFound', async () => {
    store.put(ACCOUNT, order());
    store.before.complete = () => store.delete(key);
    await expect(completeOrder(deps, input)).rejects.toBeInstanceOf(OrderNotFound);
    expect(publisher.published).toEqual([]);
  });

  test('a store outage surfaces as DependencyUnavailable', async () => {
    store.put(ACCOUNT, order());
    store.failures.complete = new DependencyUnavailable('dynamodb');
    await expect(completeOrder(deps, input)).rejects.toBeInstanceOf(DependencyUnavailable);
    expect(publisher.published).toEqual([]);
  });
});

describe('completeOrder: publish failures (the write stands; the relay delivers later)', () => {
  test.each([
    ['DependencyUnavailable', () => new DependencyUnavailable('eventbridge')],
    ['EventNotPublished', () => new EventNotPublished()],
    ['an unexpected error', () => new TypeError('boom')],
  ])(
    'publisher throws %s -> resolves with the completed order (publishFailed), warns, lease released, event kept pending',
    async (_name, makeError) => {
      store.put(ACCOUNT, order());
      const cause = makeError();
      publisher.failure = cause;

      const result = await completeOrder(deps, input);

      expect(result).toMatchObject({ transitioned: true, publishFailed: true });
      expect(result.order).toMatchObject({ status: 'completed', completed_at: new Date(START).toISOString() });
      const eventId = orderCompletedEventId(key, new Date(START).toISOString());
      expect(store.callsTo('releasePendingEvent')[0]?.args).toEqual([key, eventId, START + LEASE_MS]);
      expect(store.get(key)).toMatchObject({
        status: 'completed',
        pending_event: { event_id: eventId, lease_until: 0 },
      });
      expect(store.callsTo('clearPendingEvent')).toEqual([]);
      expect(warnings.warnings).toEqual([
        {
          message: 'OrderCompleted not published; left pending for the relay',
          details: { event_id: eventId, error: `${cause.name}: ${cause.message}` },
        },
      ]);
    },
  );

  test('a retry after a failed publish republishes the same event_id at once and clears it', async () => {
    store.put(ACCOUNT, order());
    publisher.failure = new DependencyUnavailable('eventbridge');
    expect((await completeOrder(deps, input)).publishFailed).toBe(true);
    const eventId = store.get(key)?.pending_event?.event_id;

    publisher.failure = undefined;
    clock.advance(1_000); // well inside the original lease: only the release makes the retry possible
    const retried = await completeOrder(deps, input);

    expect(retried.transitioned).toBe(false);
    expect(retried.publishFailed).toBe(false);
    expect(retried.order.completed_at).toBe(new Date(START).toISOString());
    expect(publisher.published.map((detail) => detail.event_id)).toEqual([eventId]);
    expect(store.get(key)?.pending_event).toBeUndefined();
  });

  test('a republish that fails also releases the lease and still answers the order', async () => {
    const pending: PendingEvent = { event_id: 'aaaabbbbccccddddeeeeffff00001111', since: EARLIER, lease_until: 0 };
    store.put(ACCOUNT, order({ status: 'completed', completed_at: EARLIER, pending_event: pending }));
    publisher.failure = new EventNotPublished();
    const result = await completeOrder(deps, input);
    expect(result).toMatchObject({ transitioned: false, publishFailed: true, order: { completed_at: EARLIER } });
    expect(store.get(key)?.pending_event).toEqual({ ...pending, lease_until: 0 });
  });

  test('a failing release is only warned about; the answer is still the completed order', async () => {
    store.put(ACCOUNT, order());
    publisher.failure = new DependencyUnavailable('eventbridge');
    store.failures.releasePendingEvent = new Error('dynamodb down too');
    const result = await completeOrder(deps, input);
    expect(result).toMatchObject({ transitioned: true, publishFailed: true });
    expect(warnings.warnings[1]).toEqual({
      message: 'could not release publish lease',
      details: {
        event_id: orderCompletedEventId(key, new Date(START).toISOString()),
        error: 'Error: dynamodb down too',
      },
    });
  });

  test('the publish gets the configured budget, cut to the time the request has left', async () => {
    store.put(ACCOUNT, order());
    await completeOrder(deps, { ...input, timeLeftMs: () => 60_000 });
    expect(publisher.options).toEqual([{ timeoutMs: 2_000 }]);

    store.put(ACCOUNT, order({ order_handle: 'order-2' }));
    await completeOrder(deps, { ...input, order_handle: 'order-2', timeLeftMs: () => 1_700 });
    expect(publisher.options[1]).toEqual({ timeoutMs: 1_700 - PUBLISH_MARGIN_MS });
  });

  test('no time left to publish -> EventBridge is not called; the event is left to the relay at once', async () => {
    store.put(ACCOUNT, order());
    const result = await completeOrder(deps, { ...input, timeLeftMs: () => PUBLISH_MARGIN_MS + 50 });
    expect(result).toMatchObject({ transitioned: true, publishFailed: true });
    expect(publisher.attempts).toEqual([]);
    expect(store.get(key)?.pending_event).toMatchObject({ lease_until: 0 });
    expect(warnings.warnings[0]?.details.error).toContain('no time left to publish');
  });

  test('clearPendingEvent throwing after a confirmed publish -> still resolves, and warns', async () => {
    store.put(ACCOUNT, order());
    store.failures.clearPendingEvent = new DependencyUnavailable('dynamodb');

    const result = await completeOrder(deps, input);

    expect(result.transitioned).toBe(true);
    expect(publisher.published).toHaveLength(1);
    const eventId = publisher.published[0]?.event_id;
    expect(warnings.warnings).toEqual([
      {
        message: 'published event still marked pending',
        details: { event_id: eventId, error: expect.stringContaining('dynamodb') },
      },
    ]);
    expect(store.get(key)?.pending_event?.event_id).toBe(eventId);
  });
});

describe('completeOrder behind an open circuit breaker (domain/circuit-breaker.ts)', () => {
  test('the publish is skipped: 200 with the completed order, event left pending (released, same event_id), counted, no per-request warning', async () => {
    const counted: string[] = [];
    const breaker = new CircuitBreaker(
      { failureThreshold: 1, coolDownMs: 60_000, maxCoolDownMs: 60_000, probeTimeoutMs: 200 },
      () => clock.epochMs,
      () => undefined,
    );
    breaker.failed('call', 'EventBridge down'); // opened by an earlier request of this environment
    const gated = makeDeps(store, {
      publisher: new BreakerPublisher(publisher, breaker, 200),
      warnings,
      now: clock.now,
      publishLeaseMs: LEASE_MS,
      counters: { count: (name) => counted.push(name) },
    }).deps;
    store.put(ACCOUNT, order());

    const result = await completeOrder(gated, input);

    const completedAt = new Date(START).toISOString();
    expect(result).toMatchObject({ transitioned: true, publishFailed: true });
    expect(result.order).toMatchObject({ status: 'completed', completed_at: completedAt });
    expect(publisher.attempts).toEqual([]); // EventBridge was not called
    expect(store.get(key)?.pending_event).toEqual({
      event_id: orderCompletedEventId(key, completedAt),
      since: completedAt,
      lease_until: 0,
    });
    expect(store.calls.map((call) => call.method)).toEqual(['findRecords', 'complete', 'releasePendingEvent']);
    expect(counted).toEqual(['OrdersCompleted', 'PublishFailures', 'PublishesSkipped']);
    expect(warnings.warnings).toEqual([]);
  });
});
