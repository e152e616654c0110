import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from '../config/env';
import { completeOrder, type CompleteOrderDeps } from '../domain/complete-order';
import type { CredentialStore } from '../domain/ports';
import { createCompleteOrderDeps, createCredentialStore, createLogger } from '../adapters/runtime';
import { basicAuth, type AuthenticatedContext } from './http/basic-auth';
import { parseCompleteOrderRequest } from './http/complete-order-request';
import { httpErrorMapper } from './http/error-mapper';
import { jsonResponse } from './http/responses';
import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * POST /orders/{order_handle}/complete
 * logger context -> error mapping (sees every error) -> Basic auth -> request checks -> use case -> 200.
 */
export const createCompleteOrderHandler = (deps: CompleteOrderDeps, credentials: CredentialStore, logger: Logger) =>
  // Answer (503) a second before the Lambda timeout rather than let the platform cut the request off.
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AuthenticatedContext>({
    timeoutEarlyInMillis: 1_000,
  })
    // logEvent stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the Authorization header.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(httpErrorMapper(logger))
    .use(basicAuth(credentials))
    .handler(async (event, context) => {
      const request = parseCompleteOrderRequest(event);
      const result = await completeOrder(deps, { account_id: context.account_id, ...request });
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
);
