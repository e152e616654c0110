import { routeHandleFill } from './completion';
import { buildOrderCompletedDetail, type OrderCompletedDetail } from './order-completed-event';
import type { OrderCompletedPublisher, PendingEventStore, PendingOrderEvent, WarningSink } from './ports';

/**
 * The relay: publishes every OrderCompleted the request path did not confirm (at-least-once, nothing lost).
 * One pass lists the pending events (oldest first), takes the lease of each one whose lease ran out
 * (a conditional write, so a request or another relay pass publishing it right now is left alone),
 * publishes them in PutEvents batches of up to 10 with the same event_id as every earlier attempt,
 * clears each marker conditionally once EventBridge confirmed it, and releases the lease of the rest
 * so the next pass retries them.
 */
export interface RelayDeps {
  store: PendingEventStore;
  publisher: OrderCompletedPublisher;
  warnings: WarningSink;
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

interface Claimed {
  event: PendingOrderEvent;
  leaseUntil: number;
  detail: OrderCompletedDetail;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

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
    const claimed = await claimExpired(deps, page.events, report);
    if (claimed.length === 0) continue;

    const outcome = await deps.publisher.publishBatch(claimed.map((entry) => entry.detail));
    const confirmed = new Set(outcome.published);
    const reasons = new Map(outcome.failed.map((failure) => [failure.event_id, failure.reason]));
    await Promise.all(
      claimed.map(async ({ event, leaseUntil }) => {
        const eventId = event.pending_event.event_id;
        // A completion that named its exact record stored its timeline event without route_handle, to be set by
        // the write after its publish; if that request died, this write sets it.
        const fill = routeHandleFill(event.order);
        if (confirmed.has(eventId)) {
          report.published += 1;
          await deps.store.clearPendingEvent(event.key, eventId, fill).catch((error: unknown) =>
            // Published but still marked: a later pass repeats the same event_id, which subscribers de-duplicate.
            deps.warnings.warn('relayed event still marked pending', { event_id: eventId, error: describe(error) }),
          );
          return;
        }
        report.failed += 1;
        deps.warnings.warn('relay could not publish OrderCompleted; retried next pass', {
          event_id: eventId,
          reason: reasons.get(eventId) ?? 'no result',
        });
        await deps.store.releasePendingEvent(event.key, eventId, leaseUntil, fill).catch((error: unknown) =>
          // The lease then simply runs out; the next pass after it retries.
          deps.warnings.warn('relay could not release publish lease', { event_id: eventId, error: describe(error) }),
        );
      }),
    );
    if (outcome.published.length === 0) {
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
const claimExpired = async (
  deps: RelayDeps,
  events: readonly PendingOrderEvent[],
  report: { leased: number },
): Promise<Claimed[]> => {
  const now = deps.now().getTime();
  const leaseUntil = now + deps.leaseMs;
  const claims = await Promise.all(
    events.map(async (event): Promise<Claimed | undefined> => {
      const pending = event.pending_event;
      const completedAt = event.order.completed_at;
      if (pending.lease_until > now) {
        report.leased += 1;
        return undefined;
      }
      if (typeof completedAt !== 'string') {
        deps.warnings.warn('pending event on an order without completed_at; skipped', { event_id: pending.event_id });
        return undefined;
      }
      const claimed = await deps.store.claimPendingEvent(event.key, pending.event_id, pending.lease_until, leaseUntil);
      if (!claimed) {
        report.leased += 1; // someone took it between the read and the claim
        return undefined;
      }
      return {
        event,
        leaseUntil,
        detail: buildOrderCompletedDetail(event.key, pending.event_id, { ...event.order, completed_at: completedAt }),
      };
    }),
  );
  return claims.filter((claim): claim is Claimed => claim !== undefined);
};
