import { COMPLETABLE_STATUSES } from '../../domain/completion-rules';
import type { RouteHandleFill } from '../../domain/ports';

/** The condition clauses of the store's writes, each named once. */

/** The item exists (a write on a missing key would otherwise create it). */
export const ITEM_EXISTS = 'attribute_exists(pk)';

/** The completable set (domain/completion-rules.ts) as expression values. */
export const COMPLETABLE_VALUES: Record<string, string> = Object.fromEntries(
  COMPLETABLE_STATUSES.map((status, i) => [`:completable${i}`, status]),
);
/** The status is in the completable set (needs `#status` and COMPLETABLE_VALUES). */
export const STATUS_IS_COMPLETABLE = `#status IN (${Object.keys(COMPLETABLE_VALUES).join(', ')})`;

/** The stored timeline is a list or absent (list_append works), or NULL (needs `:null_type` = 'NULL'). */
export const TIMELINE_NOT_NULL = 'NOT attribute_type(timeline, :null_type)';
export const TIMELINE_IS_NULL = 'attribute_type(timeline, :null_type)';

/** The pending event is still the one this publisher knows (`:event_id`). */
export const PENDING_EVENT_IS = 'pending_event.event_id = :event_id';
/** ... and its lease is still the one this publisher saw expire (`:expired`) or holds (`:held`). */
export const LEASE_EXPIRED_AS_SEEN = `${PENDING_EVENT_IS} AND pending_event.lease_until = :expired`;
export const LEASE_STILL_HELD = `${PENDING_EVENT_IS} AND pending_event.lease_until = :held`;

export interface ConditionalChange {
  condition: string;
  values: Record<string, unknown>;
  names?: Record<string, string>;
  /** One more SET assignment (`path = :value`) made by the same write. */
  set?: string;
}

/** Adds a SET assignment to an update expression (DynamoDB allows one SET clause, so join an existing one). */
export const withAssignment = (updateExpression: string, assignment: string | undefined): string => {
  if (assignment === undefined) return updateExpression;
  return /^SET /.test(updateExpression)
    ? `${updateExpression}, ${assignment}`
    : `${updateExpression} SET ${assignment}`;
};

/**
 * Adds the completion event's route_handle to a pending-marker write (same write, no extra one). The event is
 * addressed by index and checked to be the completion's own (type and recorded_at), so nothing else is touched.
 */
export const withFill = (change: ConditionalChange, fill: RouteHandleFill | undefined): ConditionalChange => {
  if (fill === undefined) return change;
  const event = `timeline[${Math.trunc(fill.index)}]`;
  return {
    condition: `${change.condition} AND ${event}.#event_type = :completed_event AND ${event}.recorded_at = :completed_event_at`,
    values: {
      ...change.values,
      ':completed_event': 'order_completed',
      ':completed_event_at': fill.recorded_at,
      ':route_handle': fill.route_handle,
    },
    names: { ...change.names, '#event_type': 'type' },
    set: `${event}.route_handle = :route_handle`,
  };
};
