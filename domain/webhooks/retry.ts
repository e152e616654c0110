/**
 * The delivery policy: what counts as delivered, what is retried and when, what is given up at once.
 *
 * - 2xx: delivered.
 * - Retried with exponential backoff and jitter: no answer within the timeout (10 s), a connection error (refused,
 *   reset, DNS failure, TLS failure), 408 Request Timeout, 425 Too Early, 429 Too Many Requests, every 5xx.
 * - 410 Gone: the receiver asks to be disabled; the endpoint is disabled, nothing more is sent to it.
 * - Any other status (1xx, 3xx: redirects are not followed, other 4xx such as 400/401/403/404/413/422): the
 *   receiver refuses this delivery and a retry would get the same answer; the delivery goes to the dead-letter
 *   queue at once (alarmed; an operator can redrive it after the receiver is fixed), never dropped silently.
 */
export type DeliveryResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string }
  | { kind: 'gone' }
  | { kind: 'rejected'; reason: string };

export const RETRIED_4XX = [408, 425, 429] as const;

export const classifyStatus = (status: number): DeliveryResult => {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone' };
  if (status >= 500 || (RETRIED_4XX as readonly number[]).includes(status)) {
    return { kind: 'retry', reason: `HTTP ${status}` };
  }
  return { kind: 'rejected', reason: `HTTP ${status}` };
};

/** Attempts in all (the first and 14 retries), then the dead-letter queue: SQS's maxReceiveCount. */
export const MAX_ATTEMPTS = 15;
/** The first retry's nominal delay; each next one doubles, up to MAX_DELAY_SECONDS. */
export const FIRST_DELAY_SECONDS = 30;
export const MAX_DELAY_SECONDS = 4 * 3600;
/** Each delay is drawn uniformly within ±25 % of its nominal value (jitter: retries of one outage spread out). */
export const JITTER = 0.25;
/** Per attempt: no answer (headers) within this is a timeout. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** The nominal delay (seconds) before attempt `attempt + 1`, after `attempt` failed attempts (1-based). */
export const nominalDelaySeconds = (attempt: number): number =>
  Math.min(FIRST_DELAY_SECONDS * 2 ** Math.max(0, attempt - 1), MAX_DELAY_SECONDS);

/** The delay actually used: nominal ±25 %, whole seconds, within SQS's 12 h visibility limit. */
export const retryDelaySeconds = (attempt: number, random: () => number = Math.random): number =>
  Math.min(43_200, Math.round(nominalDelaySeconds(attempt) * (1 - JITTER + 2 * JITTER * random())));

/** The whole nominal schedule: [delay before attempt 2, ..., delay before attempt MAX_ATTEMPTS]. */
export const nominalSchedule = (): number[] =>
  Array.from({ length: MAX_ATTEMPTS - 1 }, (_, index) => nominalDelaySeconds(index + 1));
