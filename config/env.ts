import * as z from 'zod';

/** Unset and empty mean the same: serverless.yml's `${env:X, ''}` passes empty strings. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z
  .object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
    ORDERS_TABLE_NAME: z.string().min(3).max(255),
    EVENT_BUS_NAME: z.string().min(1).max(256),
    EVENT_SOURCE: z.string().min(1).max(256),
    /** Where account credentials come from: Secrets Manager (deployed) or a JSON file (local). */
    ACCOUNTS_SOURCE: z.enum(['secretsmanager', 'file']),
    ACCOUNTS_SECRET_ID: optional(z.string().min(1)),
    ACCOUNTS_FILE: optional(z.string().min(1)),
    ACCOUNTS_CACHE_SECONDS: optional(z.coerce.number().int().min(1).max(3600)).transform((v) => v ?? 300),
    /** Local emulators; unset in AWS. */
    DYNAMODB_ENDPOINT: optional(z.url()),
    EVENTBRIDGE_ENDPOINT: optional(z.url()),
    PUBLISH_LEASE_MS: optional(z.coerce.number().int().min(100).max(300_000)).transform((v) => v ?? 10_000),
    /** The request path's whole budget for PutEvents; must stay under the lease (checked below). */
    PUBLISH_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(60_000)).transform((v) => v ?? 2_000),
    /** How long a relay pass holds the events it publishes; under the 1-minute schedule. */
    RELAY_LEASE_MS: optional(z.coerce.number().int().min(100).max(300_000)).transform((v) => v ?? 30_000),
  })
  .superRefine((env, ctx) => {
    if (env.ACCOUNTS_SOURCE === 'secretsmanager' && env.ACCOUNTS_SECRET_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACCOUNTS_SECRET_ID'],
        message: 'required when ACCOUNTS_SOURCE=secretsmanager',
      });
    }
    if (env.PUBLISH_TIMEOUT_MS >= env.PUBLISH_LEASE_MS) {
      // Otherwise the relay could take over (and publish) while the request is still publishing.
      ctx.addIssue({ code: 'custom', path: ['PUBLISH_TIMEOUT_MS'], message: 'must be less than PUBLISH_LEASE_MS' });
    }
    if (env.ACCOUNTS_SOURCE === 'file' && env.ACCOUNTS_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ACCOUNTS_FILE'], message: 'required when ACCOUNTS_SOURCE=file' });
    }
  });

export type Config = z.infer<typeof envSchema>;

/** Reads and validates the environment once; a misconfigured function fails on its first invocation, loudly. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
};
