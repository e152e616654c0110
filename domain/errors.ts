import type { OrderStatus } from './order';

/**
 * Domain errors say what went wrong in the API's terms. Their HTTP meaning is declared once,
 * in handlers/http/error-mapper.ts; nothing here knows about HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export type FieldErrors = Record<string, string[]>;
/** Validation problems by location (path, query, json, headers), then field. */
export type ValidationDetail = Partial<Record<'path' | 'query' | 'json' | 'headers', FieldErrors>>;

export class ValidationFailed extends DomainError {
  readonly code = 'validation_failed';
  constructor(readonly detail: ValidationDetail) {
    super('Validation error');
  }
}

/** No record left after narrowing, or the order belongs to another account (indistinguishable on purpose). */
export class OrderNotFound extends DomainError {
  readonly code = 'order_not_found';
  constructor() {
    super('Order not found');
  }
}

/** More than one order part matched: the caller must say which with these query fields. */
export class AmbiguousOrder extends DomainError {
  readonly code = 'ambiguous_order';
  constructor(readonly missing: FieldErrors) {
    super('Validation error');
  }
}

export class OrderNotCompletable extends DomainError {
  readonly code = 'order_not_completable';
  constructor(readonly status: OrderStatus) {
    super(`Order is ${status} and cannot be completed`);
  }
}

/**
 * The order is so close to DynamoDB's 400 KB item limit that recording its completion (status, time,
 * timeline event) would pass it. Nothing is written; the order must be trimmed (e.g. its polyline) first.
 */
export class OrderTooLarge extends DomainError {
  readonly code = 'order_too_large';
  constructor(options?: { cause?: unknown }) {
    super('Order is too large to record its completion', options);
  }
}

/** A dependency (DynamoDB, EventBridge) is down, throttled or timing out. */
export class DependencyUnavailable extends DomainError {
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: 'dynamodb' | 'eventbridge',
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/**
 * The order was completed but its OrderCompleted event is not confirmed yet. The event is kept
 * pending on the order; a retried complete publishes it again.
 */
export class EventNotPublished extends DomainError {
  readonly code = 'event_not_published';
  constructor(options?: { cause?: unknown }) {
    super('OrderCompleted event not published', options);
  }
}
