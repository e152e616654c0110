import { createWebhookSenderLambda } from '../webhooks/composition';

/** The Lambda entry of the webhook sender (serverless.yml), built as ESM; see handlers/lambda/complete-order.ts. */
export const handler = await createWebhookSenderLambda();
