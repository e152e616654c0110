import * as z from 'zod';
import { DEFAULT_PENDING_SHARDS, MAX_PENDING_SHARDS } from '../adapters/dynamodb/keys';

/** Unset and empty mean the same: serverless.yml's `${env:X, ''}` passes empty strings. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z
  .object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
    ORDERS_TABLE_NAME: z.string().min(3).max(255),
    EVENT_BUS_NAME: z.string().min(1).max(256),
    EVENT_SOURCE: z.string().min(1).max(256),
    /** The accounts table (salted hashes of account secrets; infra/accounts-table.json). */
    ACCOUNTS_TABLE_NAME: z.string().min(3).max(255),
    /** How long a Lambda environment trusts a looked-up account: the bound on how late a revocation bites. */
    ACCOUNTS_CACHE_SECONDS: optional(z.coerce.number().int().min(1).max(60)).transform((v) => v ?? 60),
    /** Size cap of each account cache (known accounts; unknown ids), per Lambda environment. */
    ACCOUNTS_CACHE_ENTRIES: optional(z.coerce.number().int().min(1).max(1_000_000)).transform((v) => v ?? 10_000),
    /** Local emulators; unset in AWS. */
    DYNAMODB_ENDPOINT: optional(z.url()),
    EVENTBRIDGE_ENDPOINT: optional(z.url()),
    PUBLISH_LEASE_MS: optional(z.coerce.number().int().min(100).max(300_000)).transform((v) => v ?? 10_000),
    /** The request path's whole budget for PutEvents; must stay under the lease (checked below). */
    PUBLISH_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(60_000)).transform((v) => v ?? 2_000),
    /** How long a relay pass holds the events it publishes; under the 1-minute schedule. */
    /** Pending-events shards completions write to (adapters/dynamodb/keys.ts; readers always read all 64). */
    PENDING_SHARDS: optional(z.coerce.number().int().min(1).max(MAX_PENDING_SHARDS)).transform(
      (v) => v ?? DEFAULT_PENDING_SHARDS,
    ),
    RELAY_LEASE_MS: optional(z.coerce.number().int().min(100).max(300_000)).transform((v) => v ?? 30_000),
  })
  .superRefine((env, ctx) => {
    if (env.PUBLISH_TIMEOUT_MS >= env.PUBLISH_LEASE_MS) {
      // Otherwise the relay could take over (and publish) while the request is still publishing.
      ctx.addIssue({ code: 'custom', path: ['PUBLISH_TIMEOUT_MS'], message: 'must be less than PUBLISH_LEASE_MS' });
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
