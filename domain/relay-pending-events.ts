import { publishHeldEvents, takeLease, type HeldEvent, type OutboxDeps } from './outbox';
import type { PendingEventStore, PendingOrderEvent } from './ports';

/**
 * The relay: publishes every OrderCompleted the request path did not confirm (at-least-once, nothing lost).
 * One pass lists the pending events (oldest first), takes the lease of each one whose lease ran out, publishes them
 * in PutEvents batches of up to 10 with the same event_id as every earlier attempt, and settles each (domain/outbox.ts:
 * cleared once confirmed, released otherwise so the next pass retries it).
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
}

export interface RelayReport {
  /** Pending events listed during the pass. */
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

export const relayPendingEvents = async (deps: RelayDeps, options: RelayOptions = {}): Promise<RelayReport> => {
  const pageSize = options.pageSize ?? DEFAULT_RELAY_PAGE_SIZE;
  const report = { seen: 0, published: 0, failed: 0, leased: 0, stopped_early: false };
  let cursor: string | undefined;
  do {
    if (options.shouldStop?.() === true) {
      report.stopped_early = true;
      break;
    }
    const page = await deps.store.listPendingEvents(pageSize, cursor);
    cursor = page.cursor;
    report.seen += page.events.length;
    const held = await takeLeases(deps, page.events, report);
    if (held.length === 0) continue;

    const outcome = await publishHeldEvents(deps, held);
    report.published += outcome.published;
    report.failed += outcome.failed;
    if (outcome.published === 0) {
      // Nothing of this page got through (EventBridge down): stop instead of claiming more; the next pass retries.
      report.stopped_early = true;
      break;
    }
  } while (cursor !== undefined);

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
  const leases = await Promise.all(
    events.map(async (event) => {
      const lease = await takeLease(deps, event, now, deps.leaseMs);
      if (lease === 'leased') report.leased += 1;
      if (lease === 'no_completed_at') {
        const eventId = event.pending_event.event_id;
        deps.warnings.warn('pending event on an order without completed_at; skipped', { event_id: eventId });
      }
      return lease;
    }),
  );
  return leases.filter((lease): lease is HeldEvent => typeof lease !== 'string');
};
