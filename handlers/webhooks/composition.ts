import { createDocumentClient } from '../../adapters/aws-clients';
import { createObservability } from '../../adapters/observability';
import { WebhookEndpointsTable } from '../../adapters/webhooks/endpoints-table';
import { createHttpTransport } from '../../adapters/webhooks/http-transport';
import { createSqsClient, SqsDeliveryQueue } from '../../adapters/webhooks/sqs-delivery-queue';
import type { WebhooksConfig } from '../../config/webhooks-env';
import { loadWebhooksConfig } from '../../config/webhooks-env';
import type { DeliveryDeps } from '../../domain/webhooks/deliver';
import type { DeliveryQueue } from '../../domain/webhooks/ports';
import { createWebhookSenderHandler } from './sender';

/** The sender's dependencies from its configuration; `queue` is SQS in AWS, the local queue on `npm start`. */
export const createDeliveryDeps = (config: WebhooksConfig, queue: DeliveryQueue): DeliveryDeps => ({
  endpoints: new WebhookEndpointsTable(
    createDocumentClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
    config.WEBHOOKS_TABLE_NAME,
  ),
  transport: createHttpTransport({
    allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  }),
  queue,
  now: () => new Date(),
});

/** The deployed handler, built once per Lambda environment (handlers/lambda/webhook-sender.ts). */
export const createWebhookSenderLambda = async () => {
  const config = loadWebhooksConfig();
  if (config.WEBHOOK_QUEUE_URL === undefined || config.WEBHOOK_DLQ_URL === undefined) {
    throw new Error('invalid configuration: WEBHOOK_QUEUE_URL and WEBHOOK_DLQ_URL are required in AWS');
  }
  const queue = new SqsDeliveryQueue(
    createSqsClient(config.AWS_REGION),
    config.WEBHOOK_QUEUE_URL,
    config.WEBHOOK_DLQ_URL,
  );
  const { logger, metrics } = await createObservability();
  return createWebhookSenderHandler(createDeliveryDeps(config, queue), logger, metrics);
};
