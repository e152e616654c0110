import { describe, expect, test } from '@jest/globals';
import {
  BreakerPublisher,
  CircuitBreaker,
  PublishSkipped,
  type BreakerPolicy,
  type BreakerTransition,
} from '../../../domain/circuit-breaker';
import type { OrderCompletedDetail } from '../../../domain/order-completed-event';
import { ManualClock, RecordingPublisher } from '../../support/fakes';

const POLICY: BreakerPolicy = { failureThreshold: 3, coolDownMs: 1_000, maxCoolDownMs: 4_000, probeTimeoutMs: 200 };

const setup = (policy: BreakerPolicy = POLICY) => {
  const clock = new ManualClock(0);
  const transitions: BreakerTransition[] = [];
  const breaker = new CircuitBreaker(
    policy,
    () => clock.epochMs,
    (t) => transitions.push(t),
  );
  const inner = new RecordingPublisher();
  const publisher = new BreakerPublisher(inner, breaker, policy.probeTimeoutMs);
  return { clock, transitions, breaker, inner, publisher };
};

const detail = { event_id: 'e-1' } as unknown as OrderCompletedDetail;
const attempt = (publisher: BreakerPublisher, timeoutMs = 2_000) =>
  publisher.publish(detail, { timeoutMs }).then(
    () => 'published' as const,
    (error: unknown) => (error instanceof PublishSkipped ? ('skipped' as const) : ('failed' as const)),
  );

describe('the circuit breaker rule', () => {
  test('closed: N-1 failures in a row keep it closed; one success resets the count', async () => {
    const { inner, publisher, breaker, transitions } = setup();
    inner.failing();
    expect([await attempt(publisher), await attempt(publisher)]).toEqual(['failed', 'failed']);
    inner.working();
    expect(await attempt(publisher)).toBe('published');
    inner.failing();
    expect([await attempt(publisher), await attempt(publisher)]).toEqual(['failed', 'failed']);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
    expect(inner.attempts).toHaveLength(5);
  });

  test('publishes cut short by the request’s own deadline (its signal aborted) are not counted', async () => {
    const { inner, publisher, breaker, transitions } = setup();
    inner.failing();
    const request = new AbortController();
    request.abort();
    for (let i = 0; i < 5; i += 1) {
      await expect(publisher.publish(detail, { timeoutMs: 2_000, signal: request.signal })).rejects.toThrow();
    }
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
    // EventBridge's own failures still count from zero.
    for (let i = 0; i < 2; i += 1) expect(await attempt(publisher)).toBe('failed');
    expect(breaker.state).toBe('closed');
    expect(await attempt(publisher)).toBe('failed');
    expect(breaker.state).toBe('open');
    expect(inner.attempts).toHaveLength(8);
  });

  test('N consecutive failures open it: later requests do not call EventBridge and fail at once with PublishSkipped', async () => {
    const { inner, publisher, breaker, transitions } = setup();
    inner.failing();
    for (let i = 0; i < 3; i += 1) expect(await attempt(publisher)).toBe('failed');
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([
      expect.objectContaining({ from: 'closed', to: 'open', consecutive_failures: 3, cool_down_ms: 1_000 }),
    ]);
    expect(transitions[0]?.reason).toMatch(/DependencyUnavailable/);
    for (let i = 0; i < 10; i += 1) expect(await attempt(publisher)).toBe('skipped');
    expect(inner.attempts).toHaveLength(3); // the requests spent on the dead bus before it opened
  });

  test('after the cool-down one probe goes (with the probe budget); others skip while it runs; success closes', async () => {
    const { inner, publisher, breaker, transitions, clock } = setup();
    inner.failing();
    for (let i = 0; i < 3; i += 1) await attempt(publisher);
    clock.advance(999);
    expect(await attempt(publisher)).toBe('skipped');
    clock.advance(1);
    inner.working();
    const held = inner.holdNext();
    const probe = attempt(publisher, 2_000);
    await held.started;
    expect(breaker.state).toBe('half_open');
    expect(inner.options.at(-1)?.timeoutMs).toBe(200);
    expect(await attempt(publisher)).toBe('skipped'); // a probe is in flight
    held.release();
    expect(await probe).toBe('published');
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
    ]);
    expect(await attempt(publisher)).toBe('published');
    expect(inner.options.at(-1)?.timeoutMs).toBe(2_000); // the normal budget again
  });

  test('a failed probe opens it again for twice the cool-down, capped; a later success resets the cool-down', async () => {
    const { inner, publisher, breaker, transitions, clock } = setup();
    inner.failing();
    for (let i = 0; i < 3; i += 1) await attempt(publisher);
    const coolDowns: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      clock.advance(transitions.at(-1)!.cool_down_ms);
      expect(await attempt(publisher)).toBe('failed');
      expect(breaker.state).toBe('open');
      coolDowns.push(transitions.at(-1)!.cool_down_ms);
      clock.advance(transitions.at(-1)!.cool_down_ms - 1);
      expect(await attempt(publisher)).toBe('skipped');
      clock.advance(-(transitions.at(-1)!.cool_down_ms - 1));
    }
    expect(coolDowns).toEqual([2_000, 4_000, 4_000, 4_000]);
    clock.advance(4_000);
    inner.working();
    expect(await attempt(publisher)).toBe('published');
    inner.failing();
    for (let i = 0; i < 3; i += 1) await attempt(publisher);
    expect(transitions.at(-1)).toMatchObject({ to: 'open', cool_down_ms: 1_000 });
    // Each state change was reported once: open, then (half-open, open) per failed probe, half-open, closed, open.
    expect(transitions.map((t) => t.to)).toEqual([
      'open',
      ...Array<string[]>(4).fill(['half_open', 'open']).flat(),
      'half_open',
      'closed',
      'open',
    ]);
  });

  test('concurrent publishes in one process: failures of calls begun before it opened do not re-open or count twice', async () => {
    const { inner, publisher, transitions } = setup();
    inner.failing();
    const results = await Promise.all(Array.from({ length: 8 }, () => attempt(publisher)));
    expect(results).toEqual(Array(8).fill('failed')); // all were admitted while it was closed
    expect(transitions.map((t) => t.to)).toEqual(['open']);
    expect(await attempt(publisher)).toBe('skipped');
  });

  test('the relay’s batches are not gated by the request path’s breaker', async () => {
    const { inner, publisher, breaker } = setup();
    inner.failing();
    for (let i = 0; i < 3; i += 1) await attempt(publisher);
    expect(breaker.state).toBe('open');
    inner.working();
    await publisher.publishBatch([detail]);
    expect(inner.batches).toEqual([1]);
  });
});
