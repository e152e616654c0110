import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { ListPart } from '../domain/ports';
import { loadConfig } from '../config/env';
import {
  invocationWorkers,
  relayPendingEvents,
  type RelayDeps,
  type RelayOptions,
  type RelayReport,
} from '../domain/relay-pending-events';
import { createObservability } from '../adapters/observability';
import { recordMetric } from '../adapters/metrics-catalogue';
import { createRelayDeps, relayOptions } from '../adapters/composition-root';

/**
 * Scheduled every minute (serverless.yml `relayPendingEvents`): one relay pass, then its figures as metrics. The pass
 * works while a backlog remains (its loops sweep the shards again while they still publish), and stops taking new
 * pages when less than STOP_MARGIN_MS of the Lambda's time is left, so a pass never dies holding leases it cannot use
 * (a page's worst case is one PutEvents chunk's 3 calls of 5 s plus waits, and its settling writes). A failure (DynamoDB unavailable) fails the invocation: Lambda's async
 * failure handling sends it to the relay's dead-letter queue, and the next scheduled pass tries again.
 */
export const STOP_MARGIN_MS = 20_000;

/**
 * The scheduled event's input when several relay invocations run at once (serverless.yml schedule `input`): this
 * invocation relays only part `part` of `parts` of the pending-events shards. Anything else: every shard.
 */
export const relayPartOf = (event: unknown): ListPart | undefined => {
  const { part, parts } = (event ?? {}) as { part?: unknown; parts?: unknown };
  if (!Number.isInteger(part) || !Number.isInteger(parts)) return undefined;
  const [index, count] = [part as number, parts as number];
  return count >= 1 && index >= 0 && index < count ? { index, count } : undefined;
};

export const createRelayHandler = (
  deps: RelayDeps,
  logger: Logger,
  metrics: Metrics,
  options: Pick<RelayOptions, 'workers' | 'pageSize'> = {},
) =>
  middy<ScheduledEvent | { part?: number; parts?: number }, RelayReport, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      const part = relayPartOf(event);
      const workers = invocationWorkers(options.workers, part);
      const report = await relayPendingEvents(deps, {
        ...options,
        ...(workers === undefined ? {} : { workers }),
        ...(part === undefined ? {} : { part }),
        shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS,
      });
      recordMetric(metrics, 'RelayEventsPublished', report.published);
      recordMetric(metrics, 'RelayPublishFailures', report.failed);
      recordMetric(metrics, 'PendingEvents', report.pending_after);
      recordMetric(metrics, 'OldestPendingEventAgeSeconds', report.oldest_pending_age_seconds);
      if (report.failed > 0 || report.oldest_pending_age_seconds > 120) logger.warn('relay pass', { ...report });
      else logger.info('relay pass', { ...report, ...(part === undefined ? {} : { part }) });
      return report;
    });

/** The deployed handler, built once per Lambda environment (handlers/lambda/relay-pending-events.ts). */
export const createRelayLambda = async () => {
  const config = loadConfig();
  const { logger, metrics, tracing } = await createObservability();
  return createRelayHandler(createRelayDeps(config, logger, tracing?.tracer), logger, metrics, relayOptions(config));
};
