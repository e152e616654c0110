import { describeError, DomainError } from './errors';
import type { OrderCompletedDetail } from './order-completed-event';
import type { BatchPublishResult, OrderCompletedPublisher, PublishOptions } from './ports';

/**
 * The request path's circuit breaker on EventBridge, one per Lambda environment (built once, at init, with the
 * publisher: adapters/composition-root.ts). The rule:
 * - closed: every request publishes. `failureThreshold` consecutive failed publishes (a timeout, a 5xx after the SDK's
 *   retries, a throttle, a refused entry: anything that left the event pending) open it. One success resets the count.
 * - open: requests do not call EventBridge at all. The publish fails at once with PublishSkipped, the outbox leaves the
 *   event pending (same event_id, lease released) and the request answers at the speed of a healthy one.
 * - after `coolDownMs`, half-open: the next request is the one probe (its publish gets at most `probeTimeoutMs`);
 *   every other request keeps skipping while it runs. The probe's success closes the breaker; its failure opens it
 *   again for twice the previous cool-down, up to `maxCoolDownMs`.
 * Why consecutive failures and not a ratio: a Lambda environment serves one request at a time, so its publishes are a
 * sequence; a healthy bus fails almost never (the SDK already retries), so five in a row means the bus is down, and
 * the count bounds exactly what an environment spends before opening: `failureThreshold` requests, each waiting at
 * most the publish budget (PUBLISH_TIMEOUT_MS), then one probe per cool-down, each at most `probeTimeoutMs`.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerPolicy {
  failureThreshold: number;
  coolDownMs: number;
  maxCoolDownMs: number;
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 5,
  coolDownMs: 5_000,
  maxCoolDownMs: 60_000,
  probeTimeoutMs: 500,
};

export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  /** Why: the last failure (opening), or what the probe saw. */
  reason: string;
  consecutive_failures: number;
  /** How long it stays open before the next probe (0 when it closes or goes half-open). */
  cool_down_ms: number;
}

/** What a caller may do: publish as usual, publish as the half-open probe, or skip the publish. */
export type BreakerTicket = 'call' | 'probe' | 'skip';

/** The publish was not attempted: the breaker is open (or a probe is in flight). The event stays pending. */
export class PublishSkipped extends DomainError {
  override readonly name = 'PublishSkipped';
  constructor() {
    super('EventBridge circuit breaker open: publish skipped, event left pending for the relay');
  }
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private coolDown: number;
  private openUntil = 0;
  private probeStartedAt = 0;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly nowMs: () => number,
    private readonly onTransition: (transition: BreakerTransition) => void,
  ) {
    this.coolDown = policy.coolDownMs;
  }

  get state(): BreakerState {
    return this.current;
  }

  admit(): BreakerTicket {
    if (this.current === 'closed') return 'call';
    const now = this.nowMs();
    // A probe that never reported (it cannot happen with the publish's own deadline; this keeps it from sticking).
    const probeLost = this.current === 'half_open' && now - this.probeStartedAt >= this.coolDown;
    if ((this.current === 'open' && now >= this.openUntil) || probeLost) {
      if (this.current === 'open') this.move('half_open', `cool-down of ${this.coolDown} ms over: probing`, 0);
      this.probeStartedAt = now;
      return 'probe';
    }
    return 'skip';
  }

  /** EventBridge confirmed a publish: any success proves the bus answers, so the breaker closes. */
  succeeded(ticket: BreakerTicket): void {
    if (ticket === 'skip') return;
    this.failures = 0;
    if (this.current !== 'closed') {
      this.coolDown = this.policy.coolDownMs;
      this.move('closed', ticket === 'probe' ? 'probe published' : 'a publish succeeded', 0);
    }
  }

  failed(ticket: BreakerTicket, reason: string): void {
    if (ticket === 'skip') return;
    if (ticket === 'probe') {
      if (this.current !== 'half_open') return; // closed meanwhile by another success
      this.coolDown = Math.min(this.coolDown * 2, this.policy.maxCoolDownMs);
      this.openUntil = this.nowMs() + this.coolDown;
      this.move('open', `probe failed: ${reason}`, this.coolDown);
      return;
    }
    if (this.current !== 'closed') return; // a publish begun before the breaker opened
    this.failures += 1;
    if (this.failures >= this.policy.failureThreshold) {
      this.openUntil = this.nowMs() + this.coolDown;
      this.move('open', reason, this.coolDown);
    }
  }

  private move(to: BreakerState, reason: string, coolDownMs: number): void {
    const from = this.current;
    this.current = to;
    this.onTransition({ from, to, reason, consecutive_failures: this.failures, cool_down_ms: coolDownMs });
    if (to === 'closed') this.failures = 0;
  }
}

/**
 * The request path's publisher behind the breaker. The relay's batches (publishBatch) are not gated: the relay has its
 * own rule (it stops a pass when a page gets nothing through) and runs apart from the request path.
 */
export class BreakerPublisher implements OrderCompletedPublisher {
  constructor(
    private readonly inner: OrderCompletedPublisher,
    readonly breaker: CircuitBreaker,
    private readonly probeTimeoutMs: number,
  ) {}

  async publish(detail: OrderCompletedDetail, options: PublishOptions = {}): Promise<void> {
    const ticket = this.breaker.admit();
    if (ticket === 'skip') throw new PublishSkipped();
    const timeoutMs =
      ticket === 'probe' ? Math.min(options.timeoutMs ?? this.probeTimeoutMs, this.probeTimeoutMs) : options.timeoutMs;
    try {
      await this.inner.publish(detail, { ...options, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    } catch (error) {
      // Cut short by the request's own deadline (its signal aborted: the Lambda is about to time out, e.g. after a
      // slow DynamoDB), the publish says nothing about EventBridge: not counted. A probe cut short this way is
      // retried once the cool-down has passed (admit's lost-probe rule).
      if (options.signal?.aborted !== true) this.breaker.failed(ticket, describeError(error));
      throw error;
    }
    this.breaker.succeeded(ticket);
  }

  publishBatch(details: readonly OrderCompletedDetail[]): Promise<BatchPublishResult> {
    return this.inner.publishBatch(details);
  }
}
