/**
 * Which AWS SDK failures mean "the dependency is unavailable right now" (answer 503, retry later)
 * rather than a bug (answer 500): throttling, server faults, timeouts and network errors.
 */
const THROTTLING = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'TransactionInProgressException',
  // A single write to an item a transaction holds at that moment (the relay's batched claims and settles): the write
  // was not made; trying again shortly succeeds (a 503 with Retry-After on the request path, never a 500).
  'TransactionConflictException',
]);
const NETWORK = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'AbortError',
]);

const NETWORK_IN_MESSAGE =
  /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export const isDependencyUnavailable = (error: unknown, depth = 0): boolean => {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const e = error as SdkErrorShape;
  if (e.name !== undefined && (THROTTLING.has(e.name) || NETWORK.has(e.name))) return true;
  if (e.code !== undefined && NETWORK.has(e.code)) return true;
  // A network error that lost its shape on the way (the SDK wraps a non-Error as "AWS SDK error wrapper for ...").
  if (error instanceof Error && NETWORK_IN_MESSAGE.test(error.message)) return true;
  if (e.$fault === 'server' || e.$retryable !== undefined) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return isDependencyUnavailable(e.cause, depth + 1);
};
