import type { OrderStatus } from './order-fields';

/**
 * Domain errors say what went wrong in the API's terms. Their HTTP meaning is declared once,
 * in handlers/http/error-mapper.ts; nothing here knows about HTTP. Each sets `name`, so logs say which.
 */
export abstract class DomainError extends Error {}

/** Messages by field name. */
export type FieldErrors = Record<string, string[]>;

/** No record left after narrowing, or the order belongs to another account (indistinguishable on purpose). */
export class OrderNotFound extends DomainError {
  override readonly name = 'OrderNotFound';
  constructor() {
    super('Order not found');
  }
}

/** More than one order part matched: the caller must say which, with these selector fields. */
export class AmbiguousOrder extends DomainError {
  override readonly name = 'AmbiguousOrder';
  constructor(readonly missing: FieldErrors) {
    super('Validation error');
  }
}

/** The refusal rule (domain/completion-rules.ts): a cancelled or disabled order is never completed. */
export class OrderNotCompletable extends DomainError {
  override readonly name = 'OrderNotCompletable';
  constructor(readonly status: OrderStatus) {
    super(`Order is ${status} and cannot be completed`);
  }
}

/**
 * The order is so close to DynamoDB's 400 KB item limit that recording its completion (status, time,
 * timeline event) would pass it. Nothing is written; the order must be trimmed (e.g. its polyline) first.
 */
export class OrderTooLarge extends DomainError {
  override readonly name = 'OrderTooLarge';
  constructor(options?: { cause?: unknown }) {
    super('Order is too large to record its completion', options);
  }
}

/** A dependency (DynamoDB, EventBridge) is down, throttled or timing out. */
export class DependencyUnavailable extends DomainError {
  override readonly name = 'DependencyUnavailable';
  constructor(
    readonly dependency: 'dynamodb' | 'eventbridge',
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/** EventBridge answered but did not confirm the entry: the event stays pending on the order (domain/outbox.ts). */
export class EventNotPublished extends DomainError {
  override readonly name = 'EventNotPublished';
  constructor(options?: { cause?: unknown }) {
    super('OrderCompleted event not published', options);
  }
}

/** An error as one log string: `Name: message`, and its cause's when it has one. */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.name}: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
};
