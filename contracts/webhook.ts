import { z } from 'zod';
import { WEBHOOK_BODY_VERSION, webhookBodySchema, type WebhookBody } from '../domain/webhooks/body';

/**
 * The webhook body as receivers meet it (docs/webhooks.md). Defined once in domain/webhooks/body.ts from the
 * OrderCompleted detail's own field schemas; rendered here as contracts/webhook-order-completed.v1.schema.json
 * (`npm run event-schema`; a unit test fails when the committed file drifts from the zod schema).
 */
export { webhookBodySchema } from '../domain/webhooks/body';
export type { WebhookBody } from '../domain/webhooks/body';

export const WEBHOOK_SCHEMA_FILE = `webhook-order-completed.v${WEBHOOK_BODY_VERSION}.schema.json`;

export const parseWebhookBody = (body: unknown): WebhookBody => z.parse(webhookBodySchema, body);

export const buildWebhookJsonSchema = (): Record<string, unknown> => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `urn:orders-complete:webhook-order-completed:v${WEBHOOK_BODY_VERSION}`,
  title: `Order completed webhook body, version ${WEBHOOK_BODY_VERSION}`,
  description:
    "The body of a signed webhook (Standard Webhooks) for an order completion: the provider's format, a JSON array " +
    'of one event. De-duplicate on the `webhook-id` header (= `event_id`). Fields may be added within a version ' +
    '(ignore unknown fields). See docs/webhooks.md.',
  ...z.toJSONSchema(webhookBodySchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }),
});

export const renderWebhookJsonSchema = (): string => `${JSON.stringify(buildWebhookJsonSchema(), null, 2)}\n`;
