import { setTimeout as sleep } from 'node:timers/promises';
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { DependencyUnavailable, EventNotPublished, describeError } from '../../domain/errors';
import { ORDER_COMPLETED_DETAIL_TYPE, type OrderCompletedDetail } from '../../domain/order-completed-event';
import type { BatchPublishResult, OrderCompletedPublisher, PublishOptions } from '../../domain/ports';
import { isDependencyUnavailable } from '../aws-errors';
import type { CallLimiter } from './call-limiter';

export interface EventBridgeTarget {
  busName: string;
  source: string;
}

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export interface BatchRetryPolicy {
  /** Rounds of PutEvents per chunk: the first call plus retries of only the entries EventBridge refused. */
  rounds: number;
  /** Wait before retry n (1-based): baseDelayMs * 2^(n-1). */
  baseDelayMs: number;
  /** Budget of one PutEvents call, SDK attempts included. */
  callTimeoutMs: number;
}

/** Worst case per chunk of 10: 3 calls of 5 s plus 0.3 s of waits, and only when EventBridge answers slowly. */
export const DEFAULT_BATCH_RETRY: BatchRetryPolicy = { rounds: 3, baseDelayMs: 100, callTimeoutMs: 5_000 };

/** Why an entry result is not a confirmation (undefined: it is one). */
const entryProblem = (entry: PutEventsResultEntry | undefined): string | undefined => {
  if (entry === undefined) return 'no entry result';
  if (entry.ErrorCode !== undefined) return `${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim();
  if (!entry.EventId) return 'no EventId';
  return undefined;
};

/** The error a deadline rejects with: the signal's reason's name (TimeoutError, AbortError) says it is an outage. */
const abortError = (reason: unknown): Error => {
  // A DOMException is not always an Error of this realm, so its name and message are carried over.
  const { name, message } = (reason ?? {}) as { name?: unknown; message?: unknown };
  const error = new Error(typeof message === 'string' ? message : 'aborted', { cause: reason });
  error.name = typeof name === 'string' ? name : 'AbortError';
  return error;
};

/**
 * One call's deadline: `timeoutMs`, or the request's `signal` (middy's, when it answers early), whichever comes
 * first. `signal` goes to the SDK (so it stops the attempt) and `aborted` rejects at once, even mid-backoff.
 * `dispose` clears the timer and every listener when the call ends. One controller and one cleared timer: it
 * measured about 25 us of CPU a call cheaper than `AbortSignal.any([AbortSignal.timeout(ms), signal])`, whose timer
 * and dependent signal outlive the call (`npm run bench:publish-deadline`, BENCHMARKS.md run 8).
 */
export const deadline = (timeoutMs: number | undefined, signal: AbortSignal | undefined) => {
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const forward = () => abort(signal?.reason);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
          timeoutMs,
        );
  if (signal?.aborted === true) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  let reject: ((error: Error) => void) | undefined;
  const fail = () => reject?.(abortError(controller.signal.reason));
  const aborted = new Promise<never>((_, rejectWith) => {
    reject = rejectWith;
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  return {
    signal: controller.signal,
    aborted,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
      controller.signal.removeEventListener('abort', fail);
    },
  };
};

/**
 * OrderCompleted on EventBridge. Success means EventBridge accepted that entry (an EventId, no ErrorCode),
 * not just that the call returned. EventBridge does not de-duplicate: every publish of one completion
 * carries the same detail.event_id, and subscribers de-duplicate on it.
 */
export class EventBridgeOrderCompletedPublisher implements OrderCompletedPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly target: EventBridgeTarget,
    private readonly batchRetry: BatchRetryPolicy = DEFAULT_BATCH_RETRY,
    /** Bounds publishBatch's calls (the relay's share of the PutEvents quota); absent: one chunk at a time. */
    private readonly batchLimiter?: CallLimiter,
  ) {}

  private entry(detail: OrderCompletedDetail): PutEventsRequestEntry {
    return {
      EventBusName: this.target.busName,
      Source: this.target.source,
      DetailType: ORDER_COMPLETED_DETAIL_TYPE,
      Time: new Date(detail.completed_at),
      Detail: JSON.stringify(detail),
    };
  }

  /**
   * One PutEvents call. It ends when `timeoutMs` passes or `signal` aborts (the request was answered), whatever the
   * SDK's own attempts budget: the SDK is told to abort, and the call stops being waited for at once.
   */
  private async put(entries: PutEventsRequestEntry[], timeoutMs?: number, signal?: AbortSignal) {
    const limit = timeoutMs === undefined && signal === undefined ? undefined : deadline(timeoutMs, signal);
    try {
      const sent = this.client.send(new PutEventsCommand({ Entries: entries }), { abortSignal: limit?.signal });
      return await (limit === undefined ? sent : Promise.race([sent, limit.aborted]));
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('eventbridge', { cause: error });
      throw error;
    } finally {
      limit?.dispose();
    }
  }

  async publish(detail: OrderCompletedDetail, options: PublishOptions = {}): Promise<void> {
    const output = await this.put([this.entry(detail)], options.timeoutMs, options.signal);
    const problem = (output.FailedEntryCount ?? 0) > 0 ? 'FailedEntryCount > 0' : undefined;
    const entryError = entryProblem(output.Entries?.[0]);
    if (problem !== undefined || entryError !== undefined) {
      throw new EventNotPublished({ cause: new Error(`PutEvents refused the entry: ${entryError ?? problem}`) });
    }
  }

  /**
   * Chunks of 10, each one PutEvents call (plus retries of refused entries). With a limiter the chunks go concurrently,
   * as many at once and as many a second as it allows; without one, one after the other. Once a call goes unanswered
   * (EventBridge unavailable), the chunks not yet sent are not sent: the caller retries them later.
   */
  async publishBatch(details: readonly OrderCompletedDetail[]): Promise<BatchPublishResult> {
    const chunks: OrderCompletedDetail[][] = [];
    for (let start = 0; start < details.length; start += PUT_EVENTS_MAX_ENTRIES) {
      chunks.push(details.slice(start, start + PUT_EVENTS_MAX_ENTRIES));
    }
    // Shared by the chunks: set by the call that finds EventBridge unreachable, before the limiter lets the next go.
    const bus = { unreachable: false };
    const notSent = (chunk: readonly OrderCompletedDetail[]): BatchPublishResult => ({
      published: [],
      failed: chunk.map((detail) => ({ event_id: detail.event_id, reason: 'not sent: EventBridge unavailable' })),
    });
    const send = async (chunk: OrderCompletedDetail[]): Promise<BatchPublishResult> => {
      if (bus.unreachable) return notSent(chunk);
      // Asked again when the chunk's turn comes: with a limiter every chunk is queued at once, and one that waited
      // behind a call that found EventBridge unreachable must not make a call of its own.
      return this.publishChunk(chunk, bus);
    };
    const outcomes: BatchPublishResult[] = [];
    if (this.batchLimiter === undefined) for (const chunk of chunks) outcomes.push(await send(chunk));
    else outcomes.push(...(await Promise.all(chunks.map(send))));
    return {
      published: outcomes.flatMap((outcome) => outcome.published),
      failed: outcomes.flatMap((outcome) => outcome.failed),
    };
  }

  /** Up to 10 entries: send, then resend only the refused entries, for a bounded number of rounds. */
  private async publishChunk(
    details: readonly OrderCompletedDetail[],
    bus: { unreachable: boolean },
  ): Promise<BatchPublishResult> {
    const published: string[] = [];
    let remaining = [...details];
    let reasons = new Map<string, string>();
    const unsent = () => ({
      published,
      failed: remaining.map((detail) => ({ event_id: detail.event_id, reason: 'not sent: EventBridge unavailable' })),
    });
    for (let round = 1; round <= this.batchRetry.rounds && remaining.length > 0; round += 1) {
      if (round > 1) await sleep(this.batchRetry.baseDelayMs * 2 ** (round - 2));
      let output;
      try {
        const entries = remaining.map((detail) => this.entry(detail));
        // Checked at the moment the call would be made (after the limiter's wait, before each retry round).
        const call = async () => {
          if (bus.unreachable) return undefined;
          try {
            return await this.put(entries, this.batchRetry.callTimeoutMs);
          } catch (error) {
            // Set before the limiter lets the next call go: it must see it.
            bus.unreachable = true;
            throw error;
          }
        };
        output = await (this.batchLimiter === undefined ? call() : this.batchLimiter.run(call));
        if (output === undefined) return unsent();
      } catch (error) {
        // The SDK already spent its attempts budget on the whole call: report these entries as failed.
        const reason = describeError(error instanceof DependencyUnavailable && error.cause ? error.cause : error);
        return {
          published,
          failed: remaining.map((detail) => ({ event_id: detail.event_id, reason })),
        };
      }
      // Entries come back in request order; only the ones with an error (or no confirmation) are sent again.
      reasons = new Map();
      const refused: OrderCompletedDetail[] = [];
      remaining.forEach((detail, index) => {
        const problem = entryProblem(output.Entries?.[index]);
        if (problem === undefined) published.push(detail.event_id);
        else {
          refused.push(detail);
          reasons.set(detail.event_id, problem);
        }
      });
      remaining = refused;
    }
    return {
      published,
      failed: remaining.map((detail) => ({
        event_id: detail.event_id,
        reason: reasons.get(detail.event_id) ?? 'not sent',
      })),
    };
  }
}
