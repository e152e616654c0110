import type { Account } from '../../domain/accounts';
import { SECRET_ID_PATTERN, type AccountCredentials } from '../../domain/credentials';
import { ACCOUNT_ID_PATTERN } from '../../domain/order-fields';
import * as z from '../../domain/zod-mini';

/**
 * One item per account in the accounts table (key `account_id`, infra/accounts-table.json): salts and hashes of
 * its secrets, never a secret. Parsed on every read, so a malformed item fails loudly instead of opening a door.
 */
const storedSecretSchema = z.object({
  secret_id: z.string().check(z.regex(SECRET_ID_PATTERN)),
  salt: z.string().check(z.regex(/^[0-9a-f]{32,}$/)),
  secret_hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  created_at: z.string(),
  expires_at: z.optional(z.string()),
  imported: z.optional(z.boolean()),
});

export const accountItemSchema = z.object({
  account_id: z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
  secrets: z.array(storedSecretSchema),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number().check(z.int(), z.minimum(1)),
  /** Absent on items written before it existed: the next write adds it (accounts-table.ts). */
  revision: z.optional(z.string().check(z.minLength(1))),
});

export const parseAccountItem = (item: Record<string, unknown>): Account => accountItemSchema.parse(item);

/** What the request path reads (ProjectionExpression `account_id, secrets`). */
const credentialsSchema = z.pick(accountItemSchema, { account_id: true, secrets: true });
export const parseCredentials = (item: Record<string, unknown>): AccountCredentials => credentialsSchema.parse(item);

/** The item as written: optional fields left out rather than stored as null. */
export const toAccountItem = (account: Account): Record<string, unknown> => ({
  account_id: account.account_id,
  secrets: account.secrets.map((secret) => ({
    secret_id: secret.secret_id,
    salt: secret.salt,
    secret_hash: secret.secret_hash,
    created_at: secret.created_at,
    ...(secret.expires_at === undefined ? {} : { expires_at: secret.expires_at }),
    ...(secret.imported === true ? { imported: true } : {}),
  })),
  created_at: account.created_at,
  updated_at: account.updated_at,
  version: account.version,
  ...(account.revision === undefined ? {} : { revision: account.revision }),
});
