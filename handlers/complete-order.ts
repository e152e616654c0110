import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from '../config/env';
import { completeOrder, type CompleteOrderDeps } from '../domain/complete-order';
import type { CredentialStore } from '../domain/credentials';
import { createObservability, type Tracing } from '../adapters/observability';
import { createCompleteOrderAdapters } from '../adapters/composition-root';
import { basicAuth, type AuthenticatedContext } from './http/basic-auth';
import { parseCompleteOrderRequest } from './http/complete-order-request';
import { httpErrorMapper } from './http/error-mapper';
import { requestRecord, type RecordingContext } from './http/request-record';
import type { DependencyTimings } from '../adapters/dependency-timings';
import { jsonResponse } from './http/responses';
import { encodeResponse } from './http/compression';
import { findHeader } from './http/headers';

/** Metrics and traces: absent in tests that only look at responses. */
export interface Telemetry {
  metrics?: Metrics;
  tracing?: Tracing | undefined;
  timings?: DependencyTimings;
}

/** API Gateway's request id, on every log line of the request as correlation_id. */
const correlationId = (logger: Logger): MiddlewareObj<APIGatewayProxyEventV2> => ({
  name: 'correlationId',
  before: (request) => {
    const requestId = request.event.requestContext?.requestId;
    if (typeof requestId === 'string') logger.setCorrelationId(requestId);
  },
});

/** Answer (503) this long before the Lambda timeout rather than let the platform cut the request off. */
export const TIMEOUT_EARLY_MS = 1_000;

/**
 * POST /orders/{order_handle}/complete
 * logger context -> metrics flush -> trace -> error mapping (sees every error) -> Basic auth -> request checks ->
 * use case -> 200. middy runs `after`/`onError` in reverse: the error mapper answers first, then metrics flush.
 * A completion whose write succeeded answers 200 even when its event could not be published: the event
 * stays pending on the order and the relay delivers it (the use case counts PublishFailures).
 */
export const createCompleteOrderHandler = (
  deps: CompleteOrderDeps,
  credentials: CredentialStore,
  logger: Logger,
  telemetry: Telemetry = {},
) => {
  const handler = middy<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2,
    Error,
    AuthenticatedContext & RecordingContext
  >({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    // logEvent stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the Authorization header.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(correlationId(logger));
  if (telemetry.metrics !== undefined) handler.use(logMetrics(telemetry.metrics));
  // Responses are orders (up to several MB); a trace keeps their timing, not their content.
  const { tracing } = telemetry;
  if (tracing !== undefined) handler.use(tracing.captureLambdaHandler(tracing.tracer, { captureResponse: false }));
  return handler
    .use(requestRecord(logger, telemetry.metrics, telemetry.timings))
    .use(httpErrorMapper(logger, telemetry.metrics))
    .use(basicAuth(credentials))
    .handler(async (event, context, { signal }) => {
      const request = parseCompleteOrderRequest(event);
      const result = await completeOrder(deps, {
        account_id: context.account_id,
        ...request,
        // The publish must end before middy's early timeout answers 503 for a request whose write succeeded.
        timeLeftMs: () => context.getRemainingTimeInMillis() - TIMEOUT_EARLY_MS,
        // Aborted when middy answers 503 at its early timeout: the SDK calls still in flight stop.
        signal,
      });
      // Written once, by requestRecord: on the EMF line when there is one, else as an INFO line.
      context.completion = {
        message: result.transitioned ? 'order completed' : 'order already completed',
        account_id: context.account_id,
        order_type: result.order.type,
        type_index: result.order.type_index,
        fulfillment_attempt: result.order.fulfillment_attempt,
      };
      // A long trip's answer goes gzip-compressed when the caller allows it (./http/compression.ts).
      return encodeResponse(jsonResponse(200, result.order), findHeader(event, 'accept-encoding'));
    });
};

/**
 * The deployed handler, built once per Lambda environment (at init) and reused by every warm invocation:
 * handlers/lambda/complete-order.ts awaits it at the top level of the ESM entry.
 */
export const createCompleteOrderLambda = async () => {
  const config = loadConfig();
  const observability = await createObservability();
  const { deps, credentials } = createCompleteOrderAdapters(config, observability);
  return createCompleteOrderHandler(deps, credentials, observability.logger, observability);
};
