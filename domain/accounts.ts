import { randomBytes } from 'node:crypto';
import {
  isActive,
  issueSecret,
  MAX_ACTIVE_SECRETS,
  newSecretId,
  type AccountCredentials,
  type SecretHash,
  type StoredSecret,
} from './credentials';

/**
 * The operators' rules for accounts (`npm run accounts`): pure functions from an account as stored to the account
 * to store. Every result carries a new random `revision`, and the adapter writes it conditionally on the revision it
 * read, so two operators at once cannot lose an update, and a change computed from a deleted account can never land
 * on an account re-created under the same id (a version number would start again at 1; a random revision does not
 * repeat).
 */

export interface Account extends AccountCredentials {
  created_at: string;
  updated_at: string;
  /** Incremented by every change (shown to operators; items written before `revision` existed are matched on it). */
  version: number;
  /**
   * Random, new on every write (create, rotate, revoke, import): the concurrency token the next write is conditional
   * on, and how a write whose answer was lost recognises itself. Absent on items written by earlier versions.
   */
  revision?: string | undefined;
}

/** 96 random bits: never repeats, across writes and across an account's lifetimes. */
export const newRevision = (): string => randomBytes(12).toString('base64url');

export type AccountProblemCode =
  | 'account_exists'
  | 'unknown_account'
  | 'two_active_secrets'
  | 'unknown_secret'
  | 'concurrent_change'
  | 'bad_document'
  | 'output_exists';

/** A refused operator command: one clear line for the CLI, exit code 1. */
export class AccountProblem extends Error {
  constructor(
    readonly code: AccountProblemCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountProblem';
  }
}

/** What create and rotate print once: the only time the secret exists outside the caller. */
export interface IssuedSecret {
  account_id: string;
  secret_id: string;
  secret: string;
}

export const newAccount = (accountId: string, now: Date): { account: Account; issued: IssuedSecret } => {
  const { secret, stored } = issueSecret(now);
  const at = now.toISOString();
  return {
    account: {
      account_id: accountId,
      secrets: [stored],
      created_at: at,
      updated_at: at,
      version: 1,
      revision: newRevision(),
    },
    issued: { account_id: accountId, secret_id: stored.secret_id, secret },
  };
};

/**
 * Adds a second secret. Expired secrets are dropped first; refused when two are still active. With
 * `oldExpiresAt`, every other active secret without an earlier expiry gets that expiry.
 */
export const rotateAccount = (
  account: Account,
  now: Date,
  oldExpiresAt?: Date,
): { account: Account; issued: IssuedSecret } => {
  const active = account.secrets.filter((secret) => isActive(secret, now));
  if (active.length >= MAX_ACTIVE_SECRETS) {
    throw new AccountProblem(
      'two_active_secrets',
      `account ${account.account_id} already has ${MAX_ACTIVE_SECRETS} active secrets (${active.map((s) => s.secret_id).join(', ')}); revoke one first`,
    );
  }
  const expiry = oldExpiresAt?.toISOString();
  const kept = active.map((secret): StoredSecret =>
    expiry !== undefined && (secret.expires_at === undefined || secret.expires_at > expiry)
      ? { ...secret, expires_at: expiry }
      : secret,
  );
  const { secret, stored } = issueSecret(now);
  return {
    account: {
      ...account,
      secrets: [...kept, stored],
      updated_at: now.toISOString(),
      version: account.version + 1,
      revision: newRevision(),
    },
    issued: { account_id: account.account_id, secret_id: stored.secret_id, secret },
  };
};

/** Removes one secret (active or expired). Revoking the last one leaves an account no secret opens. */
export const revokeSecret = (account: Account, secretId: string, now: Date): Account => {
  if (!account.secrets.some((secret) => secret.secret_id === secretId)) {
    throw new AccountProblem('unknown_secret', `account ${account.account_id} has no secret ${secretId}`);
  }
  return {
    ...account,
    secrets: account.secrets.filter((secret) => secret.secret_id !== secretId),
    updated_at: now.toISOString(),
    version: account.version + 1,
    revision: newRevision(),
  };
};

/** An entry of the old accounts document, with its existing hash: callers keep their secret. */
export const importedAccount = (accountId: string, hash: SecretHash, now: Date): Account => {
  const at = now.toISOString();
  return {
    account_id: accountId,
    secrets: [
      { secret_id: newSecretId(), created_at: at, salt: hash.salt, secret_hash: hash.secret_hash, imported: true },
    ],
    created_at: at,
    updated_at: at,
    version: 1,
    revision: newRevision(),
  };
};

/** What `list` shows of an account: ids and times, never a salt or hash. */
export const describeAccount = (account: Account, now: Date) => ({
  account_id: account.account_id,
  created_at: account.created_at,
  secrets: account.secrets.map((secret) => ({
    secret_id: secret.secret_id,
    created_at: secret.created_at,
    expires_at: secret.expires_at ?? null,
    active: isActive(secret, now),
    ...(secret.imported === true ? { imported: true } : {}),
  })),
});
