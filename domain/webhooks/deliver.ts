import { createHash } from 'node:crypto';
import type { OrderCompletedDetail } from '../order-completed-event';
import { buildWebhookBody } from './body';
import { signingSecrets, type WebhookEndpoint } from './endpoints';
import type { DeliveryQueue, EndpointDelivery, WebhookEndpointStore, WebhookTransport } from './ports';
import { MAX_ATTEMPTS, retryDelaySeconds, type DeliveryResult } from './retry';
import { signDelivery } from './signing';

/** One queue message, parsed: an OrderCompleted from the bus (rule -> queue), or a fanned-out endpoint delivery. */
export type DeliveryMessage =
  { kind: 'order-completed'; detail: OrderCompletedDetail; replayName?: string | undefined } | EndpointDelivery;

export interface DeliveryJob {
  messageId: string;
  receiptHandle: string;
  /** 1 on the first receive (SQS ApproximateReceiveCount). */
  attempt: number;
  /** The message as received, kept for the dead-letter queue. */
  rawBody: string;
  message: DeliveryMessage;
}

export interface DeliveryOutcome {
  messageId: string;
  /** What happened, for logs and metrics (never a secret, never the body). */
  outcome: 'delivered' | 'retry' | 'gone' | 'rejected' | 'dead-lettered' | 'fanned-out' | 'no-endpoint' | 'skipped';
  endpoint_id?: string;
  webhook_id: string;
  detail?: string;
  /** True when SQS must see this message as failed (partial batch failure). */
  failed: boolean;
}

export interface DeliveryDeps {
  endpoints: WebhookEndpointStore;
  transport: WebhookTransport;
  queue: DeliveryQueue;
  now: () => Date;
  random?: () => number;
}

/** The replay name `npm run webhooks -- replay` gives: `webhooks-<hash of the account>-<time>` (name ≤ 64). */
export const replayTag = (accountId: string): string =>
  `webhooks-${createHash('sha256').update(accountId).digest('hex').slice(0, 16)}`;

/**
 * An archive replay re-sends a time range of the bus to the webhook rule. A replay started by
 * `npm run webhooks -- replay ACCOUNT` is for that account only: the others' events in it are skipped.
 */
const replayedForOtherAccount = (message: DeliveryMessage & { kind: 'order-completed' }): boolean =>
  message.replayName !== undefined &&
  message.replayName.startsWith('webhooks-') &&
  !message.replayName.startsWith(`${replayTag(message.detail.account_id)}-`);

/** One POST to one endpoint, signed with its live secrets; `webhook-id` is the event's id on every attempt. */
export const sendToEndpoint = async (
  endpoint: WebhookEndpoint,
  body: string,
  webhookId: string,
  deps: Pick<DeliveryDeps, 'transport' | 'now'>,
): Promise<DeliveryResult> => {
  const now = deps.now();
  const signed = signDelivery(webhookId, body, signingSecrets(endpoint, now), now);
  return deps.transport.post(endpoint.url, signed.headers, signed.body);
};

const settle = async (
  job: DeliveryJob,
  endpoint: WebhookEndpoint,
  result: DeliveryResult,
  deps: DeliveryDeps,
): Promise<DeliveryOutcome> => {
  const base = { messageId: job.messageId, endpoint_id: endpoint.endpoint_id, webhook_id: job.message.detail.event_id };
  switch (result.kind) {
    case 'delivered':
      return { ...base, outcome: 'delivered', detail: `HTTP ${result.status}`, failed: false };
    case 'gone':
      await deps.endpoints.disable(endpoint.account_id, endpoint.endpoint_id, 'receiver answered 410 Gone', deps.now());
      return { ...base, outcome: 'gone', detail: 'HTTP 410: endpoint disabled', failed: false };
    case 'rejected':
      await deps.queue.deadLetter(deadLetterBody(job, endpoint), result.reason);
      return { ...base, outcome: 'rejected', detail: result.reason, failed: false };
    case 'retry':
      if (job.attempt >= MAX_ATTEMPTS) {
        await deps.queue.deadLetter(deadLetterBody(job, endpoint), `${result.reason} after ${job.attempt} attempts`);
        return { ...base, outcome: 'dead-lettered', detail: result.reason, failed: false };
      }
      await deps.queue.retryLater(job.receiptHandle, retryDelaySeconds(job.attempt, deps.random));
      return { ...base, outcome: 'retry', detail: result.reason, failed: true };
  }
};

/** What the dead-letter queue keeps: always a single-endpoint delivery, so a redrive re-sends to that one only. */
const deadLetterBody = (job: DeliveryJob, endpoint: WebhookEndpoint): string =>
  job.message.kind === 'endpoint-delivery'
    ? job.rawBody
    : JSON.stringify({ kind: 'endpoint-delivery', endpoint_id: endpoint.endpoint_id, detail: job.message.detail });

const deliverTo = async (job: DeliveryJob, endpoint: WebhookEndpoint, deps: DeliveryDeps) => {
  const body = JSON.stringify(buildWebhookBody(job.message.detail));
  const result = await sendToEndpoint(endpoint, body, job.message.detail.event_id, deps);
  return settle(job, endpoint, result, deps);
};

/**
 * One message. An OrderCompleted for an account with one enabled endpoint is delivered at once; with several, it
 * is fanned out as one message per endpoint (each then retried on its own, so a failing endpoint never re-sends
 * to one that succeeded). A fanned-out delivery to an endpoint removed or disabled since is skipped.
 */
export const processDeliveryJob = async (job: DeliveryJob, deps: DeliveryDeps): Promise<DeliveryOutcome> => {
  const { message } = job;
  const base = { messageId: job.messageId, webhook_id: message.detail.event_id, failed: false };
  if (message.kind === 'endpoint-delivery') {
    const endpoint = await deps.endpoints.get(message.detail.account_id, message.endpoint_id);
    if (endpoint?.status !== 'enabled') {
      return { ...base, outcome: 'skipped', endpoint_id: message.endpoint_id, detail: 'endpoint removed or disabled' };
    }
    return deliverTo(job, endpoint, deps);
  }
  if (replayedForOtherAccount(message)) return { ...base, outcome: 'skipped', detail: 'replay for another account' };
  const enabled = (await deps.endpoints.listForAccount(message.detail.account_id)).filter(
    (endpoint) => endpoint.status === 'enabled',
  );
  if (enabled.length === 0) return { ...base, outcome: 'no-endpoint' };
  if (enabled.length === 1) return deliverTo(job, enabled[0] as WebhookEndpoint, deps);
  await deps.queue.fanOut(
    enabled.map((endpoint) => ({
      kind: 'endpoint-delivery',
      endpoint_id: endpoint.endpoint_id,
      detail: message.detail,
    })),
  );
  return { ...base, outcome: 'fanned-out', detail: `${enabled.length} endpoints` };
};

/**
 * A batch: every message at once, so one slow or dead endpoint (up to the 10 s timeout) never holds up another
 * account's delivery. A message whose handling throws (e.g. DynamoDB unavailable) counts as failed: SQS retries it
 * after the queue's visibility timeout.
 */
export const processDeliveryBatch = async (jobs: DeliveryJob[], deps: DeliveryDeps): Promise<DeliveryOutcome[]> =>
  Promise.all(
    jobs.map(async (job) => {
      try {
        return await processDeliveryJob(job, deps);
      } catch (error) {
        return {
          messageId: job.messageId,
          outcome: 'retry' as const,
          webhook_id: job.message.detail.event_id,
          detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          failed: true,
        };
      }
    }),
  );
