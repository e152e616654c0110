import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  AmbiguousOrder,
  DependencyUnavailable,
  OrderNotCompletable,
  OrderNotFound,
  OrderTooLarge,
  describeError,
} from '../../domain/errors';
import { countMetric, METRIC, type CountMetricName } from '../../adapters/observability';
import { HttpError, ValidationFailed } from './http-error';
import { ResponseTooLarge } from './compression';
import { errorResponse } from './responses';

/** Seconds a caller should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = '1';

export interface ErrorLog {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * The one place where errors become HTTP responses. Only errors that declare their meaning
 * (domain errors, HttpError) show their message; anything else is a generic 500, logged, not leaked.
 */
export const toHttpResponse = (error: unknown, log: ErrorLog): APIGatewayProxyStructuredResultV2 => {
  if (error instanceof HttpError) {
    // HttpError's constructor pairs each status with its own detail type (error-bodies.ts).
    return errorResponse(error.statusCode, error.message, error.detail, error.headers);
  }
  if (error instanceof ValidationFailed) return errorResponse(422, 'Validation error', error.detail);
  // The selector's fields come from the query: the domain names them, this layer says where they came from.
  if (error instanceof AmbiguousOrder) return errorResponse(422, 'Validation error', { query: error.missing });
  if (error instanceof OrderNotFound) return errorResponse(404, 'Order not found', {});
  if (error instanceof OrderNotCompletable) {
    // The refusal rule (domain/completion-rules.ts).
    return errorResponse(409, `Order is ${error.status} and cannot be completed`, { status: error.status });
  }
  if (error instanceof OrderTooLarge) {
    return errorResponse(409, 'Order is too large to record its completion; trim it (e.g. its polyline) and retry', {
      reason: 'item_size_limit',
    });
  }
  if (error instanceof ResponseTooLarge) {
    // The completion is recorded (and its event published once); repeating the request with gzip answers it.
    return errorResponse(
      406,
      'The order is completed, but the answer is too large to send uncompressed; repeat the request with Accept-Encoding: gzip to receive it',
      { reason: 'response_too_large', body_bytes: error.bodyBytes, accept_encoding: ['gzip'] },
      { vary: 'accept-encoding' },
    );
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    // middy's early timeout (or an SDK attempt budget): the dependencies were too slow this time.
    log.warn('request timed out before completing', { error: describeError(error) });
    return unavailable();
  }
  if (error instanceof DependencyUnavailable) {
    log.warn('dependency unavailable', { dependency: error.dependency, error: describeError(error) });
    return unavailable();
  }
  log.error('unexpected error', error instanceof Error ? { error } : { error: String(error) });
  return errorResponse(500, 'Internal server error', {});
};

/** 503 with Retry-After: a dependency failed this time; retrying the request is safe. */
const unavailable = (): APIGatewayProxyStructuredResultV2 =>
  errorResponse(503, 'Service temporarily unavailable; retry later', {}, { 'retry-after': RETRY_AFTER_SECONDS });

/** The metric an error response counts under, if any: 409 conflicts and request validation failures. */
export const metricForStatus = (statusCode: number | undefined): CountMetricName | undefined => {
  if (statusCode === 409) return METRIC.CompletionConflicts;
  if (statusCode === 406 || statusCode === 413 || statusCode === 415 || statusCode === 422) {
    return METRIC.ValidationFailures;
  }
  return undefined;
};

export const httpErrorMapper = (
  log: ErrorLog,
  metrics?: Metrics,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  name: 'httpErrorMapper',
  onError: (request) => {
    const response = toHttpResponse(request.error, log);
    request.response = response;
    const metric = metricForStatus(response.statusCode);
    if (metrics !== undefined && metric !== undefined) countMetric(metrics, metric);
  },
});
