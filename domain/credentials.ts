import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Account credentials: each account holds up to two active secrets (the rolling-key model: rotation adds the new
 * one, the old one keeps working until it is revoked or its expiry passes). Only a salted hash of each secret is
 * stored, never the secret.
 *
 * The hash is HMAC-SHA256 keyed by a random 128-bit salt. A fast hash is enough because the secrets are issued
 * by `npm run accounts` as 256-bit random keys: guessing one from a leaked hash takes ~2^255 HMACs, whatever the
 * speed of the hash. (Imported secrets may be weaker: docs/operations.md asks to rotate them.)
 */

/** One stored secret: its salt and hash, never the secret. */
export interface SecretHash {
  /** Random salt, hex. */
  salt: string;
  /** HMAC-SHA256(key = salt, message = secret), hex. */
  secret_hash: string;
}

export interface StoredSecret extends SecretHash {
  /** Public identifier of this secret (for `revoke`); never the secret. */
  secret_id: string;
  created_at: string;
  /** When set, the secret stops working at this instant. */
  expires_at?: string | undefined;
  /** Imported from the old accounts document (the operator chose it): rotate it. */
  imported?: boolean | undefined;
}

export interface AccountCredentials {
  account_id: string;
  secrets: StoredSecret[];
}

/** The port: the credentials of one account, or undefined for an unknown account. */
export interface CredentialStore {
  /** May answer from a cache (at most the cache TTL old: the bound on how late a revocation takes effect). */
  find(accountId: string): Promise<AccountCredentials | undefined>;
  /**
   * After a refused secret: the account read again, unless it was read very recently (then the cached answer), so a
   * secret added by a rotation (or a new account) works at once, and failures cost at most one read per id per
   * refresh interval.
   */
  refresh(accountId: string): Promise<AccountCredentials | undefined>;
}

/** At most this many secrets of an account are active at once (rotation adds the second). */
export const MAX_ACTIVE_SECRETS = 2;

export const hashSecret = (secret: string, salt: string): Buffer =>
  createHmac('sha256', Buffer.from(salt, 'hex')).update(secret, 'utf8').digest();

export const createCredential = (secret: string, salt = randomBytes(16).toString('hex')): SecretHash => ({
  salt,
  secret_hash: hashSecret(secret, salt).toString('hex'),
});

export const isActive = (secret: StoredSecret, now: Date): boolean =>
  secret.expires_at === undefined || Date.parse(secret.expires_at) > now.getTime();

// Compared against in every slot an account does not fill, so an unknown account, an account with one secret and
// an account with two all cost the same MAX_ACTIVE_SECRETS HMACs: a wrong secret and an unknown account take the
// same time.
const DECOY = createCredential(randomBytes(32).toString('hex'));

const matches = (secret: string, stored: SecretHash): boolean => {
  const expected = Buffer.from(stored.secret_hash, 'hex');
  const actual = hashSecret(secret, stored.salt);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/** Constant-time check of a presented secret against an account's active secrets (or decoys when unknown). */
export const verifySecret = (secret: string, account: AccountCredentials | undefined, now: Date): boolean => {
  const active = (account?.secrets ?? []).filter((stored) => isActive(stored, now));
  let accepted = false;
  for (let slot = 0; slot < MAX_ACTIVE_SECRETS; slot += 1) {
    const stored = active[slot];
    if (matches(secret, stored ?? DECOY) && stored !== undefined) accepted = true;
  }
  return accepted;
};

/**
 * The Basic-auth decision. A refused secret is checked once more against a refreshed read (rate-limited by the
 * store), whether the account is known or not, so unknown ids and wrong secrets take the same path and time.
 */
export const authenticate = async (
  store: CredentialStore,
  accountId: string,
  secret: string,
  now: () => Date,
): Promise<boolean> => {
  if (verifySecret(secret, await store.find(accountId), now())) return true;
  return verifySecret(secret, await store.refresh(accountId), now());
};

/** A new 256-bit random secret (base64url, 43 characters: no ":" so it fits Basic auth) and what is stored of it. */
export const issueSecret = (now: Date): { secret: string; stored: StoredSecret } => {
  const secret = randomBytes(32).toString('base64url');
  return {
    secret,
    stored: { secret_id: newSecretId(), created_at: now.toISOString(), ...createCredential(secret) },
  };
};

export const SECRET_ID_PATTERN = /^sk_[0-9a-f]{16}$/;
export const newSecretId = (): string => `sk_${randomBytes(8).toString('hex')}`;
