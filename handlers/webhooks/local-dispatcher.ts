import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { createObservability } from '../../adapters/observability';
import { LocalDeliveryQueue } from '../../adapters/webhooks/local-delivery-queue';
import { loadWebhooksConfig } from '../../config/webhooks-env';
import type { OrderCompletedEvent } from '../../contracts/order-completed';
import { createDeliveryDeps } from './composition';
import { createWebhookSenderHandler } from './sender';

/**
 * Local stage only (infra/stage-functions.yml): the OrderCompleted rule's target. In AWS the rule puts the event
 * on the delivery queue and SQS invokes the sender; here the event goes to LocalDeliveryQueue, which invokes the
 * same sender handler (middy, SQS-shaped records, partial batch failures) and re-delivers failed messages after the
 * backoff delay the sender chose. WEBHOOK_RETRY_SCALE shrinks the delays (the e2e tests: 0.0001).
 */
const config = loadWebhooksConfig();
const scale = Number(process.env.WEBHOOK_RETRY_SCALE ?? '1');
const deadLetters = resolve(process.env.WEBHOOK_DEAD_LETTERS_FILE ?? '.local/webhook-dead-letters.jsonl');

/**
 * Each queue delivery is an invocation of its own, as SQS would make it: a new request id and the sender's full
 * time budget (a retry long after the EventBridge invocation must not inherit that invocation's expired deadline).
 */
const SENDER_TIMEOUT_MS = 30_000;
const freshContext = (template: Context): Context => {
  const deadline = Date.now() + SENDER_TIMEOUT_MS;
  return { ...template, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() };
};

let queue: LocalDeliveryQueue | undefined;
const localQueue = async (context: Context): Promise<LocalDeliveryQueue> => {
  if (queue !== undefined) return queue;
  const { logger, metrics } = await createObservability();
  const ref: { sender?: ReturnType<typeof createWebhookSenderHandler> } = {};
  const built = new LocalDeliveryQueue(
    (records) => ref.sender!({ Records: records }, freshContext(context)),
    deadLetters,
    Number.isFinite(scale) && scale > 0 ? scale : 1,
  );
  ref.sender = createWebhookSenderHandler(createDeliveryDeps(config, built), logger, metrics);
  queue = built;
  return built;
};

export const handler = async (event: OrderCompletedEvent, context: Context): Promise<void> => {
  await (await localQueue(context)).submit(JSON.stringify(event));
};
