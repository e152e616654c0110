import { readFileSync } from 'node:fs';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  StartReplayCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { orderCompletedDetailSchema } from '../../contracts/order-completed';
import { buildWebhookBody } from '../../domain/webhooks/body';
import { replayTag, sendToEndpoint } from '../../domain/webhooks/deliver';
import type { WebhookEndpoint } from '../../domain/webhooks/endpoints';
import type { WebhookTransport } from '../../domain/webhooks/ports';
import type { OrderCompletedDetail } from '../../domain/order-completed-event';

/** serverless.yml's names for a stage's archive and webhook rule. */
export const stageArchiveName = (stage: string): string => `orders-complete-${stage}-events`;
export const stageWebhookRuleName = (stage: string): string => `orders-complete-${stage}-webhooks`;

/**
 * Deployed: an EventBridge replay of the bus's archive over [from, to), to the webhook rule only. Its name carries
 * the account's tag (domain/webhooks/deliver.ts replayTag): the sender delivers only that account's events of it,
 * with their own event ids as webhook-ids, so receivers de-duplicate them.
 */
export const startArchiveReplay = async (
  client: EventBridgeClient,
  stage: string,
  accountId: string,
  from: Date,
  to: Date,
): Promise<{ replay_name: string; state: string | undefined }> => {
  const busName = `orders-complete-${stage}`;
  const archive = await client.send(new DescribeArchiveCommand({ ArchiveName: stageArchiveName(stage) }));
  const bus = await client.send(new DescribeEventBusCommand({ Name: busName }));
  const rule = await client.send(new DescribeRuleCommand({ Name: stageWebhookRuleName(stage), EventBusName: busName }));
  const name = `${replayTag(accountId)}-${Date.now()}`;
  const output = await client.send(
    new StartReplayCommand({
      ReplayName: name,
      Description: `webhooks replay for ${accountId}`.slice(0, 512),
      EventSourceArn: archive.ArchiveArn,
      EventStartTime: from,
      EventEndTime: to,
      Destination: { Arn: bus.Arn, FilterArns: rule.Arn === undefined ? [] : [rule.Arn] },
    }),
  );
  return { replay_name: name, state: output.State };
};

/** Locally: the account's OrderCompleted events of .local/events.jsonl completed in [from, to), once each. */
export const localEventsFor = (eventsFile: string, accountId: string, from: Date, to: Date): OrderCompletedDetail[] => {
  let text: string;
  try {
    text = readFileSync(eventsFile, 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const details: OrderCompletedDetail[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // The local subscriber's lines: {id, source, detail-type, time, detail} (handlers/local-event-subscriber.ts).
    let parsed;
    try {
      parsed = orderCompletedDetailSchema.safeParse((JSON.parse(line) as { detail?: unknown }).detail);
    } catch {
      continue; // a line still being written
    }
    if (!parsed.success) continue;
    const detail = parsed.data;
    const at = Date.parse(detail.completed_at);
    if (detail.account_id !== accountId || at < from.getTime() || at >= to.getTime() || seen.has(detail.event_id))
      continue;
    seen.add(detail.event_id);
    details.push(detail);
  }
  return details;
};

/** Locally: each event straight to each enabled endpoint, same body and webhook-id as its first delivery. */
export const replayLocally = async (
  details: OrderCompletedDetail[],
  endpoints: WebhookEndpoint[],
  transport: WebhookTransport,
): Promise<{ webhook_id: string; endpoint_id: string; result: string }[]> => {
  const results = [];
  for (const detail of details) {
    for (const endpoint of endpoints.filter((e) => e.status === 'enabled')) {
      const body = JSON.stringify(buildWebhookBody(detail));
      const result = await sendToEndpoint(endpoint, body, detail.event_id, { transport, now: () => new Date() });
      results.push({
        webhook_id: detail.event_id,
        endpoint_id: endpoint.endpoint_id,
        result:
          result.kind === 'delivered'
            ? `delivered (HTTP ${result.status})`
            : `${result.kind}${'reason' in result ? `: ${result.reason}` : ''}`,
      });
    }
  }
  return results;
};
