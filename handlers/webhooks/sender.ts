import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { recordMetric, type MetricName } from '../../adapters/metrics-catalogue';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { orderCompletedDetailSchema, orderCompletedEventSchema } from '../../contracts/order-completed';
import {
  processDeliveryBatch,
  type DeliveryDeps,
  type DeliveryJob,
  type DeliveryMessage,
  type DeliveryOutcome,
} from '../../domain/webhooks/deliver';

/**
 * The webhook sender (serverless.yml `webhookSender`): an SQS batch from the delivery queue, which the
 * OrderCompleted rule feeds. Every message of the batch is handled at once (domain/webhooks/deliver.ts); the
 * messages to try again are reported as partial batch failures, each made visible again after its own backoff
 * delay. Logs name the event, endpoint and outcome, never a secret, a signature or the body.
 */
const endpointDeliverySchema = z.object({
  kind: z.literal('endpoint-delivery'),
  endpoint_id: z.string(),
  detail: orderCompletedDetailSchema,
});

export const parseDeliveryMessage = (body: string): DeliveryMessage => {
  const json: unknown = JSON.parse(body);
  if (typeof json === 'object' && json !== null && 'kind' in json) return endpointDeliverySchema.parse(json);
  const event = orderCompletedEventSchema.parse(json);
  return { kind: 'order-completed', detail: event.detail, replayName: event['replay-name'] };
};

const toJob = (record: SQSRecord): DeliveryJob => ({
  messageId: record.messageId,
  receiptHandle: record.receiptHandle,
  attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
  rawBody: record.body,
  message: parseDeliveryMessage(record.body),
});

const METRIC_OF: Record<DeliveryOutcome['outcome'], MetricName | undefined> = {
  delivered: 'WebhooksDelivered',
  retry: 'WebhookRetries',
  gone: 'WebhookEndpointsDisabled',
  rejected: 'WebhooksDeadLettered',
  'dead-lettered': 'WebhooksDeadLettered',
  'fanned-out': undefined,
  'no-endpoint': undefined,
  skipped: undefined,
};

export const createWebhookSenderHandler = (deps: DeliveryDeps, logger: Logger, metrics: Metrics) =>
  middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const jobs: DeliveryJob[] = [];
      for (const record of event.Records) {
        try {
          jobs.push(toJob(record));
        } catch (error) {
          // Not a message this sender knows: kept in the dead-letter queue (alarmed), never retried.
          await deps.queue.deadLetter(record.body, `unreadable message: ${error instanceof Error ? error.name : ''}`);
          logger.error('webhook message unreadable; dead-lettered', { message_id: record.messageId });
        }
      }
      const outcomes = await processDeliveryBatch(jobs, deps);
      for (const outcome of outcomes) {
        const metric = METRIC_OF[outcome.outcome];
        if (metric !== undefined) recordMetric(metrics, metric, 1);
        if (outcome.outcome === 'delivered' || !outcome.failed) logger.info('webhook delivery', { ...outcome });
        else logger.warn('webhook delivery', { ...outcome });
      }
      return {
        batchItemFailures: outcomes
          .filter((outcome) => outcome.failed)
          .map((outcome) => ({ itemIdentifier: outcome.messageId })),
      };
    });
