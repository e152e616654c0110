import { setTimeout as sleep } from 'node:timers/promises';

export interface CallLimits {
  /** Calls in flight at once. */
  maxInFlight: number;
  /** Calls started per second at most (evenly spaced: no burst after a pause). */
  perSecond: number;
}

/**
 * Bounds the relay's PutEvents calls (retries included): at most `maxInFlight` at once, and starts spaced at least
 * 1/perSecond apart, so the relay never takes more than its share of the account's PutEvents quota; the request path
 * needs the rest. Waiting callers are served in arrival order.
 */
export class CallLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  private readonly intervalMs: number;
  /** Calls started so far (for the bench and the tests). */
  started = 0;

  constructor(
    readonly limits: CallLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(limits.maxInFlight >= 1) || !(limits.perSecond > 0)) throw new RangeError('limits must be positive');
    this.intervalMs = 1000 / limits.perSecond;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limits.maxInFlight) await new Promise<void>((done) => this.waiting.push(done));
    else this.active += 1;
    try {
      const now = this.nowMs();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + this.intervalMs;
      if (start - now >= 1) await sleep(start - now);
      this.started += 1;
      return await call();
    } finally {
      // The slot passes straight to the next waiter, or is given back.
      const next = this.waiting.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }
}
