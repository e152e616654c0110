import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../config/env';
import { relayPendingEvents, type RelayDeps, type RelayReport } from '../domain/relay-pending-events';
import { createObservability } from '../adapters/observability';
import { recordMetric } from '../adapters/metrics-catalogue';
import { createRelayDeps } from '../adapters/composition-root';

/**
 * Scheduled every minute (serverless.yml `relayPendingEvents`): one relay pass, then its figures as metrics.
 * It stops taking new pages when less than STOP_MARGIN_MS of the Lambda's time is left, so a pass never
 * dies holding leases it cannot use. A failure (DynamoDB unavailable) fails the invocation: Lambda's async
 * failure handling sends it to the relay's dead-letter queue, and the next scheduled pass tries again.
 */
export const STOP_MARGIN_MS = 20_000;

export const createRelayHandler = (deps: RelayDeps, logger: Logger, metrics: Metrics) =>
  middy<ScheduledEvent, RelayReport, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .handler(async (_event, context) => {
      const report = await relayPendingEvents(deps, {
        shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS,
      });
      recordMetric(metrics, 'RelayEventsPublished', report.published);
      recordMetric(metrics, 'RelayPublishFailures', report.failed);
      recordMetric(metrics, 'PendingEvents', report.pending_after);
      recordMetric(metrics, 'OldestPendingEventAgeSeconds', report.oldest_pending_age_seconds);
      if (report.failed > 0 || report.oldest_pending_age_seconds > 120) logger.warn('relay pass', { ...report });
      else logger.info('relay pass', { ...report });
      return report;
    });

/** The deployed handler, built once per Lambda environment (handlers/lambda/relay-pending-events.ts). */
export const createRelayLambda = async () => {
  const config = loadConfig();
  const { logger, metrics, tracing } = await createObservability();
  return createRelayHandler(createRelayDeps(config, logger, tracing?.tracer), logger, metrics);
};
