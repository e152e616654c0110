/**
 * Hand-written stand-ins shared by the unit and integration tests (no mocking library): a publisher
 * that records, fails or holds publishes, a warning sink, and a clock moved by hand.
 */
import type { CompleteOrderDeps } from '../../domain/complete-order';
import { DependencyUnavailable } from '../../domain/errors';
import type { OrderCompletedDetail } from '../../domain/order-completed-event';
import type {
  BatchPublishResult,
  CounterSink,
  OrderCompletedPublisher,
  OrderStore,
  PublishOptions,
  WarningSink,
} from '../../domain/ports';

const outage = (): Error => new DependencyUnavailable('eventbridge', { cause: new Error('connect ECONNREFUSED') });

export interface HeldPublish {
  /** Resolves once a publish is waiting at the gate. */
  started: Promise<void>;
  /** Lets the held publish go on (to succeed, or fail if a failure is set by then). */
  release(): void;
}

export class RecordingPublisher implements OrderCompletedPublisher {
  /** Details whose publish was confirmed (resolved). */
  readonly published: OrderCompletedDetail[] = [];
  /** Every call, including failed and held ones. */
  readonly attempts: OrderCompletedDetail[] = [];
  /** While set, every publish rejects with this value. */
  failure: Error | undefined = undefined;
  /** Runs at publish time (e.g. to look at the store while the event is in flight). */
  onPublish: ((detail: OrderCompletedDetail) => void) | undefined;
  /** Calls still to fail (with an outage) before publishes work again. */
  private failuresLeft = 0;
  private gate: { open: Promise<void>; arrived: () => void } | undefined;

  /** Fails like the EventBridge adapter does on an outage (DependencyUnavailable), or with the given error. */
  failing(error: Error = outage()): this {
    this.failure = error;
    return this;
  }

  /** Only the next `count` calls fail; later ones work. */
  failingNext(count: number): this {
    this.failuresLeft = count;
    return this;
  }

  working(): this {
    this.failure = undefined;
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

  /** The options of each publish() call (the request path's time budget). */
  readonly options: PublishOptions[] = [];
  /** Sizes of the publishBatch() calls. */
  readonly batches: number[] = [];

  async publish(detail: OrderCompletedDetail, options: PublishOptions = {}): Promise<void> {
    this.options.push(options);
    this.attempts.push(structuredClone(detail));
    this.onPublish?.(detail);
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
    if (this.failure !== undefined) throw this.failure;
    this.published.push(structuredClone(detail));
  }

  /** Each entry goes through publish() (same failures and holds); a failure is reported, never thrown. */
  async publishBatch(details: readonly OrderCompletedDetail[]): Promise<BatchPublishResult> {
    this.batches.push(details.length);
    const result: BatchPublishResult = { published: [], failed: [] };
    for (const detail of details) {
      try {
        await this.publish(detail);
        result.published.push(detail.event_id);
      } catch (error) {
        result.failed.push({ event_id: detail.event_id, reason: String(error) });
      }
    }
    return result;
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

  constructor(start: number | Date = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }

  get epochMs(): number {
    return this.current;
  }
}

export const PUBLISH_LEASE_MS = 10_000;
export const PUBLISH_TIMEOUT_MS = 2_000;

export interface MakeDepsOptions<P extends OrderCompletedPublisher> {
  publisher?: P;
  warnings?: RecordingWarnings;
  now?: () => Date;
  publishLeaseMs?: number;
  publishTimeoutMs?: number;
  counters?: CounterSink;
}

export interface TestDeps<P extends OrderCompletedPublisher> {
  deps: CompleteOrderDeps;
  publisher: P;
  warnings: RecordingWarnings;
}

/** The one builder of the use case's dependencies in tests: a store, and recording fakes unless given. */
export const makeDeps = <P extends OrderCompletedPublisher = RecordingPublisher>(
  store: OrderStore,
  options: MakeDepsOptions<P> = {},
): TestDeps<P> => {
  const publisher = options.publisher ?? (new RecordingPublisher() as OrderCompletedPublisher as P);
  const warnings = options.warnings ?? new RecordingWarnings();
  return {
    deps: {
      store,
      publisher,
      warnings,
      now: options.now ?? (() => new Date()),
      publishLeaseMs: options.publishLeaseMs ?? PUBLISH_LEASE_MS,
      publishTimeoutMs: options.publishTimeoutMs ?? PUBLISH_TIMEOUT_MS,
      ...(options.counters === undefined ? {} : { counters: options.counters }),
    },
    publisher,
    warnings,
  };
};
