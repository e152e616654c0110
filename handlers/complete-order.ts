import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from '../config/env';
import { completeOrder, type CompleteOrderDeps } from '../domain/complete-order';
import type { CredentialStore } from '../domain/ports';
import { createCompleteOrderDeps, createCredentialStore, createLogger, createMetrics } from '../adapters/runtime';
import { basicAuth, type AuthenticatedContext } from './http/basic-auth';
import { parseCompleteOrderRequest } from './http/complete-order-request';
import { httpErrorMapper } from './http/error-mapper';
import { jsonResponse } from './http/responses';
import type { Logger } from '@aws-lambda-powertools/logger';

/** Answer (503) this long before the Lambda timeout rather than let the platform cut the request off. */
export const TIMEOUT_EARLY_MS = 1_000;

/**
 * POST /orders/{order_handle}/complete
 * logger context -> error mapping (sees every error) -> Basic auth -> request checks -> use case -> 200.
 * A completion whose write succeeded answers 200 even when its event could not be published: the event
 * stays pending on the order and the relay delivers it (PublishFailures counts these).
 */
export const createCompleteOrderHandler = (
  deps: CompleteOrderDeps,
  credentials: CredentialStore,
  logger: Logger,
  metrics?: Metrics,
) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AuthenticatedContext>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    // logEvent stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the Authorization header.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(httpErrorMapper(logger))
    .use(basicAuth(credentials))
    .handler(async (event, context) => {
      const request = parseCompleteOrderRequest(event);
      const result = await completeOrder(deps, {
        account_id: context.account_id,
        ...request,
        // The publish must end before middy's early timeout answers 503 for a request whose write succeeded.
        timeLeftMs: () => context.getRemainingTimeInMillis() - TIMEOUT_EARLY_MS,
      });
      // The write stands either way; an unconfirmed event is delivered by the relay.
      if (result.publishFailed && metrics !== undefined) {
        metrics.addMetric('PublishFailures', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      }
      logger.info(result.transitioned ? 'order completed' : 'order already completed', {
        account_id: context.account_id,
        order_type: result.order.type,
        type_index: result.order.type_index,
        fulfillment_attempt: result.order.fulfillment_attempt,
      });
      return jsonResponse(200, result.order);
    });

// Built once per Lambda environment (at init), reused by every warm invocation.
const config = loadConfig();
const logger = createLogger();
export const handler = createCompleteOrderHandler(
  createCompleteOrderDeps(config, logger),
  createCredentialStore(config),
  logger,
  createMetrics(),
);
