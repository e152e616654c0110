import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccountCredential } from './ports';

/**
 * Account secrets are stored only as salted HMAC-SHA256 hashes. Secrets are issued as random keys
 * (at least 128 bits), so a fast keyed hash is enough and keeps authentication in microseconds.
 */
export const hashSecret = (secret: string, salt: string): Buffer =>
  createHmac('sha256', Buffer.from(salt, 'hex')).update(secret, 'utf8').digest();

export const createCredential = (secret: string, salt = randomBytes(16).toString('hex')): AccountCredential => ({
  salt,
  secret_hash: hashSecret(secret, salt).toString('hex'),
});

// Compared against when the account is unknown, so unknown and known accounts take the same time.
const DECOY = createCredential(randomBytes(16).toString('hex'));

/** Constant-time check of a presented secret against a stored credential (or the decoy when none). */
export const verifySecret = (secret: string, credential: AccountCredential | undefined): boolean => {
  const stored = credential ?? DECOY;
  const expected = Buffer.from(stored.secret_hash, 'hex');
  const actual = hashSecret(secret, stored.salt);
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
  return equal && credential !== undefined;
};
