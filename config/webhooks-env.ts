import * as z from '../domain/zod-mini';
import { ATTEMPT_TIMEOUT_MS } from '../domain/webhooks/retry';

/** The webhook sender's settings (serverless.yml webhookSender), read and validated once. */
const flag = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => value === 'true'),
);
const optionalUrl = z.pipe(
  z.transform((value: unknown) => (value === '' ? undefined : value)),
  z.optional(z.url()),
);

const envSchema = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  WEBHOOKS_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
  /** The delivery queue (retries, fan-out) and its dead-letter queue; unset locally (no SQS: scripts/local). */
  WEBHOOK_QUEUE_URL: optionalUrl,
  WEBHOOK_DLQ_URL: optionalUrl,
  /** The local stage only: http:// and loopback receivers allowed (the local receiver). Never in AWS. */
  WEBHOOK_ALLOW_LOOPBACK: flag,
  /** Per attempt, at most 10 s. */
  WEBHOOK_TIMEOUT_MS: z._default(
    z.coercedNumber().check(z.int(), z.minimum(50), z.maximum(ATTEMPT_TIMEOUT_MS)),
    ATTEMPT_TIMEOUT_MS,
  ),
  DYNAMODB_ENDPOINT: optionalUrl,
});

export type WebhooksConfig = z.infer<typeof envSchema>;

export const loadWebhooksConfig = (env: NodeJS.ProcessEnv = process.env): WebhooksConfig => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
};
