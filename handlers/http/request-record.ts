import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { DependencyTimings } from '../../adapters/dependency-timings';
import { willPublishMetrics } from '../../adapters/observability';

/** What a successful request records about itself (the former "order completed" log line). */
export interface CompletionFacts {
  message: 'order completed' | 'order already completed';
  account_id: string;
  order_type: string;
  type_index: number;
  fulfillment_attempt: number;
}

/** The handler leaves its facts on the request's context; this middleware writes them. */
export type RecordingContext = Context & { completion?: CompletionFacts };

/**
 * One line per successful request. When the request's EMF record is written (metrics on and a metric to
 * publish), the completion facts, the request and correlation ids, the X-Ray trace id and the time spent in each
 * dependency go on it as properties, searchable in CloudWatch Logs Insights like any log field; otherwise the facts
 * are an INFO log line as before. Errors keep their own log lines (the error mapper's).
 * Used before the error mapper, so its after/onError run after the mapper's and before the metrics flush.
 */
export const requestRecord = (
  logger: Logger,
  metrics: Metrics | undefined,
  timings: DependencyTimings | undefined,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, RecordingContext> => {
  const finish = (request: { event: APIGatewayProxyEventV2; context: RecordingContext }): void => {
    if (metrics === undefined) timings?.reset();
    else timings?.flushTo(metrics);
    const facts = request.context.completion;
    if (metrics === undefined || !willPublishMetrics(metrics)) {
      if (facts !== undefined) {
        const { message, ...details } = facts;
        logger.info(message, details);
      }
      return;
    }
    metrics.addMetadata('function_request_id', request.context.awsRequestId);
    const correlationId = request.event.requestContext?.requestId;
    if (typeof correlationId === 'string') metrics.addMetadata('correlation_id', correlationId);
    const traceId = process.env._X_AMZN_TRACE_ID;
    if (traceId !== undefined && traceId !== '') metrics.addMetadata('xray_trace_id', traceId);
    if (facts !== undefined) {
      for (const [key, value] of Object.entries(facts)) metrics.addMetadata(key, String(value));
    }
  };
  return {
    name: 'requestRecord',
    before: () => timings?.reset(),
    after: finish,
    onError: finish,
  };
};
