import { describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallLimiter } from '../../../../adapters/eventbridge/call-limiter';

describe('the relay’s PutEvents limiter', () => {
  test('never more than maxInFlight calls at once; every call runs, in arrival order', async () => {
    const limiter = new CallLimiter({ maxInFlight: 3, perSecond: 1_000_000 });
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          order.push(i);
          active += 1;
          peak = Math.max(peak, active);
          await sleep(5);
          active -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.started).toBe(20);
  });

  test('starts spaced by 1/perSecond: 30 calls at 200/s take at least ~145 ms, even with room in flight', async () => {
    const limiter = new CallLimiter({ maxInFlight: 100, perSecond: 200 });
    const starts: number[] = [];
    // (The bound is on the average rate, which is what the quota counts.)
    const began = performance.now();
    await Promise.all(Array.from({ length: 30 }, () => limiter.run(async () => void starts.push(performance.now()))));
    const elapsed = performance.now() - began;
    // 29 intervals of 5 ms; a start may come at most 1 ms early (sub-millisecond waits are not slept).
    expect(elapsed).toBeGreaterThanOrEqual(29 * 5 - 30);
    // Each call waited for its own slot; a stalled event loop may wake several at once, but the average rate, what
    // the quota counts, holds (the elapsed time above).
    expect(starts).toHaveLength(30);
  });

  test('a failing call gives its slot back', async () => {
    const limiter = new CallLimiter({ maxInFlight: 1, perSecond: 1_000_000 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  test('limits must be positive', () => {
    expect(() => new CallLimiter({ maxInFlight: 0, perSecond: 1 })).toThrow(RangeError);
    expect(() => new CallLimiter({ maxInFlight: 1, perSecond: 0 })).toThrow(RangeError);
  });
});
