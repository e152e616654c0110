import { publishHeldEvents, takeLeases as takeLeasesOf, type HeldEvent, type OutboxDeps } from './outbox';
import type { ListPart, PendingEventStore, PendingOrderEvent } from './ports';

/**
 * The relay: publishes every OrderCompleted the request path did not confirm (at-least-once, nothing lost).
 * `workers` loops run at once, each on its own part of the pending-events shards (disjoint, so no two loops list the
 * same event). A loop reads a page of pending events (oldest first within a shard), takes the lease of each one whose
 * lease ran out, publishes them in PutEvents batches of up to 10 (concurrently, as the publisher's limiter allows) with
 * the same event_id as every earlier attempt, and settles each (domain/outbox.ts: cleared once confirmed, released
 * otherwise). It goes on, sweep after sweep over its shards, while a sweep still published something: a backlog is
 * drained in one pass, not one page a minute. It stops when a sweep published nothing (empty, or only live leases), when
 * EventBridge got nothing of a page through (it is down: no more leases are taken), or when `shouldStop` says so
 * (asked before each page: the Lambda's deadline). Leases make two relays at once, or a relay and a request, safe:
 * an event is published by whoever holds its lease, and a dead relay's leases run out (RelayDeps.leaseMs).
 */
export interface RelayDeps extends OutboxDeps {
  store: PendingEventStore;
  now: () => Date;
  /** How long the relay holds an event's lease: longer than one page's publish takes, shorter than the schedule. */
  leaseMs: number;
}

export interface RelayOptions {
  /** Pending events read, claimed and published together (the publisher sends them 10 per call). */
  pageSize?: number;
  /** Asked before each page; true stops the pass (e.g. the Lambda's time is nearly up). */
  shouldStop?: () => boolean;
  /** Loops working at once, each on its own part of the shards. */
  workers?: number;
  /** One sweep over the shards only (the relay of old, one page after another); default: until drained. */
  singleSweep?: boolean;
  /**
   * Only this part of the shards (several relay invocations at once, each on its own part: serverless.yml
   * `relayParts`); its loops divide it further. Default: every shard.
   */
  part?: ListPart;
}

export interface RelayReport {
  /** Pending events listed during the pass (an event listed again in a later sweep counts again). */
  seen: number;
  /** Published and confirmed by EventBridge. */
  published: number;
  /** Claimed but not confirmed: released for the next pass. */
  failed: number;
  /** Left alone because a live lease was held by someone else (a request mid-publish, another pass). */
  leased: number;
  /** Pending after the pass, and since when the oldest (from the index, eventually consistent). */
  pending_after: number;
  oldest_pending_since: string | null;
  oldest_pending_age_seconds: number;
  /** True when shouldStop ended the pass early, or EventBridge was unreachable. */
  stopped_early: boolean;
}

export const DEFAULT_RELAY_PAGE_SIZE = 50;
export const DEFAULT_RELAY_WORKERS = 1;

type Counts = Pick<RelayReport, 'seen' | 'published' | 'failed' | 'leased' | 'stopped_early'>;

export const relayPendingEvents = async (deps: RelayDeps, options: RelayOptions = {}): Promise<RelayReport> => {
  const pageSize = options.pageSize ?? DEFAULT_RELAY_PAGE_SIZE;
  const workers = Math.max(1, Math.floor(options.workers ?? DEFAULT_RELAY_WORKERS));
  const report: Counts = { seen: 0, published: 0, failed: 0, leased: 0, stopped_early: false };
  const state = { eventBridgeDown: false };
  // Loop `index` of part p of P: shards i with i % (P * workers) = p + P * index (together: exactly part p's shards).
  const part = options.part ?? { index: 0, count: 1 };
  const loopPart = (index: number): ListPart => ({
    index: part.index + part.count * index,
    count: part.count * workers,
  });

  /** One loop over its part of the shards; false when it had to stop (deadline, EventBridge down). */
  const sweep = async (index: number): Promise<number | 'stop'> => {
    let published = 0;
    let cursor: string | undefined;
    do {
      if (state.eventBridgeDown) return 'stop';
      if (options.shouldStop?.() === true) {
        report.stopped_early = true;
        return 'stop';
      }
      const page = await deps.store.listPendingEvents(pageSize, cursor, loopPart(index));
      cursor = page.cursor;
      report.seen += page.events.length;
      const held = await takeLeases(deps, page.events, report);
      if (held.length === 0) continue;

      const outcome = await publishHeldEvents(deps, held);
      report.published += outcome.published;
      report.failed += outcome.failed;
      published += outcome.published;
      if (outcome.published === 0) {
        // Nothing of this page got through (EventBridge down): stop claiming, in every loop; the next pass retries.
        state.eventBridgeDown = true;
        report.stopped_early = true;
        return 'stop';
      }
    } while (cursor !== undefined);
    return published;
  };

  const work = async (index: number): Promise<void> => {
    for (;;) {
      const outcome = await sweep(index);
      if (outcome === 'stop' || outcome === 0 || options.singleSweep === true) return;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, index) => work(index)));

  const summary = await deps.store.summarizePendingEvents();
  const oldestMs = summary.oldest_since === null ? 0 : deps.now().getTime() - Date.parse(summary.oldest_since);
  return {
    ...report,
    pending_after: summary.count,
    oldest_pending_since: summary.oldest_since,
    oldest_pending_age_seconds: Math.max(0, Math.floor(oldestMs / 1000)),
  };
};

/** Takes the lease of every listed event whose lease ran out; the ones someone else holds are counted and skipped. */
const takeLeases = async (
  deps: RelayDeps,
  events: readonly PendingOrderEvent[],
  report: { leased: number },
): Promise<HeldEvent[]> => {
  const now = deps.now().getTime();
  const leases = await takeLeasesOf(deps, events, now, deps.leaseMs);
  leases.forEach((lease, i) => {
    if (lease === 'leased') report.leased += 1;
    if (lease === 'no_completed_at') {
      const eventId = (events[i] as PendingOrderEvent).pending_event.event_id;
      deps.warnings.warn('pending event on an order without completed_at; skipped', { event_id: eventId });
    }
  });
  return leases.filter((lease): lease is HeldEvent => typeof lease !== 'string');
};

/** RELAY_WORKERS is the relay's loop count in all: the invocations of one schedule share it (at least one each). */
export const invocationWorkers = (workers: number | undefined, part: ListPart | undefined): number | undefined =>
  part === undefined ? workers : Math.ceil((workers ?? 1) / part.count);
