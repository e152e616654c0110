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
  })
  .superRefine((env, ctx) => {
    if (env.ACCOUNTS_SOURCE === 'secretsmanager' && env.ACCOUNTS_SECRET_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACCOUNTS_SECRET_ID'],
        message: 'required when ACCOUNTS_SOURCE=secretsmanager',
      });
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
