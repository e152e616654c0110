import { DependencyTimings } from '../../../../adapters/dependency-timings';
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  AccessDeniedException,
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { CallLimiter } from '../../../../adapters/eventbridge/call-limiter';
import { EventBridgeOrderCompletedPublisher } from '../../../../adapters/eventbridge/order-completed-publisher';
import { createMetrics, loadTracing } from '../../../../adapters/observability';
import { createCompleteOrderAdapters } from '../../../../adapters/composition-root';
import { loadConfig } from '../../../../config/env';
import { DependencyUnavailable, EventNotPublished } from '../../../../domain/errors';
import { buildOrderCompletedDetail } from '../../../../domain/order-completed-event';

const COMPLETED_AT = '2025-03-01T12:34:56.789Z';
const detail = buildOrderCompletedDetail(
  { account_id: 'acct-1', order_handle: 'order-1', type: 'pick', type_index: 0, fulfillment_attempt: 1 },
  '0123456789abcdef0123456789abcdef',
  { completed_at: COMPLETED_AT, route_handle: 'route-1' },
);

const client = new EventBridgeClient({ region: 'us-east-1' });
const eventBridge = mockClient(client);
const publisher = new EventBridgeOrderCompletedPublisher(client, { busName: 'orders-bus', source: 'orders.complete' });

afterEach(() => {
  eventBridge.reset();
});

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('EventBridgeOrderCompletedPublisher', () => {
  test('success sends one entry: Time = completed_at, DetailType OrderCompleted, bus and source as configured', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
    await publisher.publish(detail);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry?.EventBusName).toBe('orders-bus');
    expect(entry?.Source).toBe('orders.complete');
    expect(entry?.DetailType).toBe('OrderCompleted');
    expect(entry?.Time).toBeInstanceOf(Date);
    expect(entry?.Time?.toISOString()).toBe(COMPLETED_AT);
    expect(JSON.parse(entry?.Detail ?? '')).toEqual(detail);
  });

  test('bus name and source come from the configuration (composition root)', async () => {
    const classMock = mockClient(EventBridgeClient);
    try {
      classMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
      const config = loadConfig({
        ORDERS_TABLE_NAME: 'orders',
        EVENT_BUS_NAME: 'bus-from-config',
        EVENT_SOURCE: 'source.from.config',
        ACCOUNTS_TABLE_NAME: 'accounts',
      });
      const { deps } = createCompleteOrderAdapters(config, {
        logger: new Logger({ logLevel: 'SILENT' }),
        metrics: createMetrics(),
        tracing: await loadTracing(),
        timings: new DependencyTimings(),
      });
      await deps.publisher.publish(detail);
      const entry = classMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
      expect(entry).toMatchObject({
        EventBusName: 'bus-from-config',
        Source: 'source.from.config',
        DetailType: 'OrderCompleted',
      });
    } finally {
      classMock.restore();
    }
  });

  test('FailedEntryCount 1 -> EventNotPublished naming the entry error', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const error = await rejection(publisher.publish(detail));
    expect(error).toBeInstanceOf(EventNotPublished);
    expect(String((error as EventNotPublished).cause)).toContain('InternalFailure');
  });

  test.each([
    [
      'an entry ErrorCode with FailedEntryCount 0',
      { FailedEntryCount: 0, Entries: [{ EventId: 'x', ErrorCode: 'ThrottlingException' }] },
    ],
    ['no entry result', { FailedEntryCount: 0, Entries: [] }],
    ['no Entries at all', {}],
    ['an entry without EventId', { FailedEntryCount: 0, Entries: [{}] }],
    ['an empty EventId', { FailedEntryCount: 0, Entries: [{ EventId: '' }] }],
  ])('%s -> EventNotPublished (success must be confirmed)', async (_label, output) => {
    eventBridge.on(PutEventsCommand).resolves(output);
    await expect(publisher.publish(detail)).rejects.toBeInstanceOf(EventNotPublished);
  });

  test.each<[string, () => Error]>([
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
    ['InternalException (server fault)', () => new InternalException({ message: 'internal', $metadata: {} })],
    ['ECONNREFUSED', () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4010'), { code: 'ECONNREFUSED' })],
    ['TimeoutError', () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
    [
      'an HTTP 503 without a modelled error',
      () => Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } }),
    ],
  ])('%s -> DependencyUnavailable("eventbridge") keeping the cause', async (_label, makeError) => {
    const sdkError = makeError();
    eventBridge.on(PutEventsCommand).rejects(sdkError);
    const error = await rejection(publisher.publish(detail));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect((error as DependencyUnavailable).dependency).toBe('eventbridge');
    expect((error as DependencyUnavailable).cause).toBe(sdkError);
  });

  test('a non-transient client error (AccessDenied) is rethrown as is, not as an outage', async () => {
    const denied = new AccessDeniedException({
      message: 'not authorized to PutEvents',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejects(denied);
    await expect(publisher.publish(detail)).rejects.toBe(denied);
  });
});

describe('EventBridgeOrderCompletedPublisher.publish: time budget', () => {
  test('a PutEvents that does not answer within timeoutMs -> DependencyUnavailable(eventbridge) at the budget', async () => {
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const error = await rejection(publisher.publish(detail, { timeoutMs: 150 }));
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('an aborted request signal ends the publish at once (DependencyUnavailable), and the SDK call is told to abort', async () => {
    let sdkSignal: AbortSignal | undefined;
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined));
    const sendSpy = jest.spyOn(client, 'send');
    try {
      const request = new AbortController();
      const publishing = rejection(publisher.publish(detail, { timeoutMs: 60_000, signal: request.signal }));
      request.abort();
      const error = await publishing;
      expect(error).toBeInstanceOf(DependencyUnavailable);
      sdkSignal = (sendSpy.mock.calls[0]?.[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      expect(sdkSignal?.aborted).toBe(true);
    } finally {
      sendSpy.mockRestore();
    }
  });
  test('a publish that ends leaves nothing behind: no listener on the request signal, no pending timer', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const request = new AbortController();
      await publisher.publish(detail, { timeoutMs: 2_000, signal: request.signal });
      expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
      eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalFailure' }));
      await rejection(publisher.publish(detail, { timeoutMs: 2_000, signal: request.signal }));
      expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a request signal already aborted ends the publish at once', async () => {
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined));
    const request = new AbortController();
    request.abort();
    const error = await rejection(publisher.publish(detail, { timeoutMs: 60_000, signal: request.signal }));
    expect(error).toBeInstanceOf(DependencyUnavailable);
  });
});

describe('EventBridgeOrderCompletedPublisher.publishBatch', () => {
  const details = Array.from({ length: 23 }, (_, index) =>
    buildOrderCompletedDetail(
      { account_id: 'acct-1', order_handle: `order-${index}`, type: 'pick', type_index: 0, fulfillment_attempt: 0 },
      index.toString(16).padStart(32, '0'),
      { completed_at: COMPLETED_AT },
    ),
  );
  const fast = new EventBridgeOrderCompletedPublisher(
    client,
    { busName: 'orders-bus', source: 'orders.complete' },
    { rounds: 3, baseDelayMs: 1, callTimeoutMs: 1_000 },
  );
  const idsOf = (input: { Entries?: { Detail?: string }[] }) =>
    (input.Entries ?? []).map((entry) => (JSON.parse(entry.Detail ?? '{}') as { event_id: string }).event_id);

  test('calls of at most 10 entries; refused entries (and only they) are retried; all confirmed', async () => {
    const refusedOnce = new Set([details[3]!.event_id, details[14]!.event_id]);
    const seen = new Set<string>();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: { Detail?: string }[] }) => {
      const entries = idsOf(input).map((id) => {
        if (refusedOnce.has(id) && !seen.has(id)) {
          seen.add(id);
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
        }
        return { EventId: `ev-${id}` };
      });
      return { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
    });

    const result = await fast.publishBatch(details);

    expect(result.failed).toEqual([]);
    expect(new Set(result.published)).toEqual(new Set(details.map((d) => d.event_id)));
    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => idsOf(call.args[0].input));
    expect(calls.map((ids) => ids.length)).toEqual([10, 1, 10, 1, 3]);
    expect(calls[1]).toEqual([details[3]!.event_id]);
    expect(calls[3]).toEqual([details[14]!.event_id]);
  });

  test('EventBridge unavailable: that chunk and every later one reported failed, no further calls', async () => {
    eventBridge.on(PutEventsCommand).rejects(new InternalException({ message: 'down', $metadata: {} }));
    const result = await fast.publishBatch(details);
    expect(result.published).toEqual([]);
    expect(result.failed.map((failure) => failure.event_id)).toEqual(details.map((d) => d.event_id));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  test('with a limiter (chunks queued at once), a chunk waiting its turn sends nothing once EventBridge is down', async () => {
    eventBridge.on(PutEventsCommand).rejects(new InternalException({ message: 'down', $metadata: {} }));
    const limited = new EventBridgeOrderCompletedPublisher(
      client,
      { busName: 'orders-bus', source: 'orders.complete' },
      { rounds: 3, baseDelayMs: 1, callTimeoutMs: 1_000 },
      new CallLimiter({ maxInFlight: 1, perSecond: 1_000 }),
    );
    const result = await limited.publishBatch(details);
    expect(result.published).toEqual([]);
    expect(result.failed.map((failure) => failure.event_id)).toEqual(details.map((d) => d.event_id));
    // 3 chunks, all queued before the first call ended: only that first call reaches EventBridge.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(result.failed.slice(10).map((failure) => failure.reason)).toEqual(
      Array.from({ length: 13 }, () => 'not sent: EventBridge unavailable'),
    );
  });
});
