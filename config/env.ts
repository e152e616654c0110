import { DEFAULT_PENDING_SHARDS, MAX_PENDING_SHARDS } from '../adapters/dynamodb/keys';
import * as z from '../domain/zod-mini';

/** Unset and empty mean the same: serverless.yml's `${env:X, ''}` passes empty strings. */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (value === '' ? undefined : value)),
    z.optional(schema),
  );

/** An optional integer setting from min to max, `fallback` when unset. */
const optionalInt = (min: number, max: number, fallback: number) =>
  z.pipe(
    optional(z.coercedNumber().check(z.int(), z.minimum(min), z.maximum(max))),
    z.transform((v: number | undefined) => v ?? fallback),
  );

const envSchema = z
  .object({
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    ORDERS_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    EVENT_BUS_NAME: z.string().check(z.minLength(1), z.maxLength(256)),
    EVENT_SOURCE: z.string().check(z.minLength(1), z.maxLength(256)),
    /** The accounts table (salted hashes of account secrets; infra/accounts-table.json). */
    ACCOUNTS_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    /** How long a Lambda environment trusts a looked-up account: the bound on how late a revocation bites. */
    ACCOUNTS_CACHE_SECONDS: optionalInt(1, 60, 60),
    /** Size cap of each account cache (known accounts; unknown ids), per Lambda environment. */
    ACCOUNTS_CACHE_ENTRIES: optionalInt(1, 1_000_000, 10_000),
    /** Local emulators; unset in AWS. */
    DYNAMODB_ENDPOINT: optional(z.url()),
    EVENTBRIDGE_ENDPOINT: optional(z.url()),
    PUBLISH_LEASE_MS: optionalInt(100, 300_000, 10_000),
    /** The request path's whole budget for PutEvents; must stay under the lease (checked below). */
    PUBLISH_TIMEOUT_MS: optionalInt(100, 60_000, 2_000),
    /**
     * The request path's EventBridge circuit breaker (domain/circuit-breaker.ts): consecutive failed publishes that
     * open it, the first cool-down before a probe (doubling while probes fail, up to 60 s), and a probe's budget.
     */
    PUBLISH_BREAKER_FAILURES: optionalInt(1, 1_000, 5),
    PUBLISH_BREAKER_COOLDOWN_MS: optionalInt(100, 60_000, 5_000),
    PUBLISH_BREAKER_PROBE_TIMEOUT_MS: optionalInt(100, 60_000, 500),
    /** Pending-events shards completions write to (adapters/dynamodb/keys.ts; readers always read all 64). */
    PENDING_SHARDS: optionalInt(1, MAX_PENDING_SHARDS, DEFAULT_PENDING_SHARDS),
    /** How long a relay pass holds the events it publishes; under the 1-minute schedule. */
    RELAY_LEASE_MS: optionalInt(100, 300_000, 30_000),
    /** Relay loops working at once in all (shared by the RELAY_PARTS invocations), each on its own shards. */
    RELAY_WORKERS: optionalInt(1, 64, 8),
    /** Pending events a relay loop reads, claims (one TransactWriteItems: at most 100) and publishes together. */
    RELAY_PAGE_SIZE: optionalInt(10, 100, 100),
    /** PutEvents calls of the relay in flight at once (each up to 10 events). */
    RELAY_PUT_EVENTS_IN_FLIGHT: optionalInt(1, 100, 8),
    /**
     * The account's PutEvents quota (calls per second; us-east-1's default 10 000) and the share of it the relay may
     * use: live completions need the rest. The relay (all RELAY_PARTS invocations together) never starts more than
     * QUOTA * SHARE / 100 calls a second.
     */
    PUT_EVENTS_QUOTA_PER_SECOND: optionalInt(1, 1_000_000, 10_000),
    /** Relay invocations a minute, each on its own part of the shards (serverless.yml schedule inputs); they share the relay's PutEvents share. */
    RELAY_PARTS: optionalInt(1, 64, 8),
    RELAY_PUT_EVENTS_SHARE_PERCENT: optionalInt(1, 100, 10),
  })
  .check(
    z.superRefine((env, ctx) => {
      if (env.PUBLISH_TIMEOUT_MS >= env.PUBLISH_LEASE_MS) {
        // Otherwise the relay could take over (and publish) while the request is still publishing.
        ctx.addIssue({ code: 'custom', path: ['PUBLISH_TIMEOUT_MS'], message: 'must be less than PUBLISH_LEASE_MS' });
      }
    }),
  );

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
