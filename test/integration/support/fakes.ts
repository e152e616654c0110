import { DependencyUnavailable } from '../../../domain/errors';
import type { CompleteOrderDeps } from '../../../domain/complete-order';
import type { OrderCompletedDetail } from '../../../domain/order-completed-event';
import type { OrderCompletedPublisher, OrderStore, WarningSink } from '../../../domain/ports';

const outage = (): Error => new DependencyUnavailable('eventbridge', { cause: new Error('connect ECONNREFUSED') });

export interface HeldPublish {
  /** Resolves once a publish is waiting at the gate. */
  started: Promise<void>;
  /** Lets the held publish go on (to succeed, or fail if failWith is set by then). */
  release(): void;
}

/** A hand-written OrderCompletedPublisher: records every call, can be told to fail or to hold a publish. */
export class RecordingPublisher implements OrderCompletedPublisher {
  /** Details whose publish was confirmed (resolved). */
  readonly published: OrderCompletedDetail[] = [];
  /** Every call, including failed and held ones. */
  readonly attempts: OrderCompletedDetail[] = [];
  /** While set, publish rejects with it. */
  failWith: Error | undefined;
  /** Calls still to fail (with the default outage error) before publishes work again. */
  private failuresLeft = 0;
  private gate: { open: Promise<void>; arrived: () => void } | undefined;

  /** Fails like the EventBridge adapter does on an outage (DependencyUnavailable), or with the given error. */
  failing(error: Error = outage()): this {
    this.failWith = error;
    return this;
  }

  /** Only the next `count` calls fail; later ones work. */
  failingNext(count: number): this {
    this.failuresLeft = count;
    return this;
  }

  working(): this {
    this.failWith = undefined;
    return this;
  }

  /** The next publish waits until release() is called. */
  holdNext(): HeldPublish {
    let release!: () => void;
    let arrived!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (arrived = resolve));
    this.gate = { open, arrived };
    return { started, release };
  }

  async publish(detail: OrderCompletedDetail): Promise<void> {
    this.attempts.push(structuredClone(detail));
    const gate = this.gate;
    if (gate !== undefined) {
      this.gate = undefined;
      gate.arrived();
      await gate.open;
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw outage();
    }
    if (this.failWith !== undefined) throw this.failWith;
    this.published.push(structuredClone(detail));
  }
}

export class RecordingWarnings implements WarningSink {
  readonly warnings: { message: string; details: Record<string, unknown> }[] = [];
  warn(message: string, details: Record<string, unknown>): void {
    this.warnings.push({ message, details });
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  private current: number;
  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }
  readonly now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current += ms;
  }
}

export const PUBLISH_LEASE_MS = 10_000;

export interface TestDeps {
  deps: CompleteOrderDeps;
  publisher: RecordingPublisher;
  warnings: RecordingWarnings;
}

export const makeDeps = (
  store: OrderStore,
  options: { publisher?: RecordingPublisher; now?: () => Date; publishLeaseMs?: number } = {},
): TestDeps => {
  const publisher = options.publisher ?? new RecordingPublisher();
  const warnings = new RecordingWarnings();
  return {
    deps: {
      store,
      publisher,
      warnings,
      now: options.now ?? (() => new Date()),
      publishLeaseMs: options.publishLeaseMs ?? PUBLISH_LEASE_MS,
    },
    publisher,
    warnings,
  };
};
