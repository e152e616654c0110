import { createHmac } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import {
  authenticate,
  createCredential,
  hashSecret,
  issueSecret,
  SECRET_ID_PATTERN,
  verifySecret,
  type AccountCredentials,
  type CredentialStore,
  type StoredSecret,
} from '../../../domain/credentials';
import localAccounts from '../../../config/local-accounts.json';

const NOW = new Date('2026-12-05T08:00:00.000Z');
const stored = (secret: string, extra: Partial<StoredSecret> = {}): StoredSecret => ({
  secret_id: 'sk_0000000000000001',
  created_at: '2026-12-01T00:00:00.000Z',
  ...createCredential(secret),
  ...extra,
});
const account = (...secrets: StoredSecret[]): AccountCredentials => ({ account_id: 'acct-1', secrets });

describe('verifySecret', () => {
  const one = account(stored('correct horse battery staple'));

  test('true for the right secret', () => {
    expect(verifySecret('correct horse battery staple', one, NOW)).toBe(true);
  });

  test.each(['wrong', '', 'correct horse battery staple ', 'Correct horse battery staple'])(
    'false for %j',
    (secret) => {
      expect(verifySecret(secret, one, NOW)).toBe(false);
    },
  );

  test('false for an unknown account (undefined), whatever the secret', () => {
    expect(verifySecret('correct horse battery staple', undefined, NOW)).toBe(false);
    expect(verifySecret('', undefined, NOW)).toBe(false);
  });

  test('false for an account without secrets (all revoked)', () => {
    expect(verifySecret('anything', account(), NOW)).toBe(false);
  });

  test('false (not a throw) for a stored hash of the wrong length', () => {
    expect(verifySecret('x', account({ ...stored('x'), secret_hash: 'abcd' }), NOW)).toBe(false);
  });

  test('verifies the checked-in local accounts (the local stack seeds them) against their published secrets', () => {
    const local = account(stored('unused', localAccounts.accounts['local-account']));
    expect(verifySecret('local-secret', local, NOW)).toBe(true);
    expect(verifySecret('other-secret', local, NOW)).toBe(false);
    const other = account(stored('unused', localAccounts.accounts['other-account']));
    expect(verifySecret('other-secret', other, NOW)).toBe(true);
  });

  test('handles non-ASCII secrets as UTF-8', () => {
    const unicode = account(stored('pässwörd-\u{1F511}'));
    expect(verifySecret('pässwörd-\u{1F511}', unicode, NOW)).toBe(true);
    expect(verifySecret('passwort-\u{1F511}', unicode, NOW)).toBe(false);
  });

  test('two active secrets: either one opens (rotation has no 401 window)', () => {
    const both = account(stored('old-secret'), stored('new-secret', { secret_id: 'sk_0000000000000002' }));
    expect(verifySecret('old-secret', both, NOW)).toBe(true);
    expect(verifySecret('new-secret', both, NOW)).toBe(true);
    expect(verifySecret('third-secret', both, NOW)).toBe(false);
  });

  test('an expired secret stops working at its expiry instant; the other keeps working', () => {
    const expiring = account(
      stored('old-secret', { expires_at: '2026-12-05T08:00:01.000Z' }),
      stored('new-secret', { secret_id: 'sk_0000000000000002' }),
    );
    expect(verifySecret('old-secret', expiring, NOW)).toBe(true);
    expect(verifySecret('old-secret', expiring, new Date('2026-12-05T08:00:01.000Z'))).toBe(false);
    expect(verifySecret('new-secret', expiring, new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
  });

  test('an expired secret in front does not hide an active one behind it', () => {
    const accountWithLeftover = account(
      stored('gone', { expires_at: '2026-01-01T00:00:00.000Z' }),
      stored('a', { secret_id: 'sk_0000000000000002' }),
      stored('b', { secret_id: 'sk_0000000000000003' }),
    );
    expect(verifySecret('a', accountWithLeftover, NOW)).toBe(true);
    expect(verifySecret('b', accountWithLeftover, NOW)).toBe(true);
    expect(verifySecret('gone', accountWithLeftover, NOW)).toBe(false);
  });
});

describe('createCredential / hashSecret', () => {
  test('is HMAC-SHA256 keyed by the hex-decoded salt', () => {
    const salt = '00112233445566778899aabbccddeeff';
    const expected = createHmac('sha256', Buffer.from(salt, 'hex')).update('s3cret', 'utf8').digest('hex');
    expect(hashSecret('s3cret', salt).toString('hex')).toBe(expected);
    expect(createCredential('s3cret', salt)).toEqual({ salt, secret_hash: expected });
  });

  test('never stores the secret and salts each credential differently', () => {
    const a = createCredential('same-secret');
    const b = createCredential('same-secret');
    expect(a.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(a.secret_hash).not.toBe(b.secret_hash);
    expect(JSON.stringify(a)).not.toContain('same-secret');
  });
});

describe('issueSecret', () => {
  test('256 random bits, base64url (no ":"), stored only as its salted hash under a fresh secret id', () => {
    const { secret, stored: kept } = issueSecret(NOW);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(kept.secret_id).toMatch(SECRET_ID_PATTERN);
    expect(kept.created_at).toBe(NOW.toISOString());
    expect(JSON.stringify(kept)).not.toContain(secret);
    expect(verifySecret(secret, account(kept), NOW)).toBe(true);
    const again = issueSecret(NOW);
    expect(again.secret).not.toBe(secret);
    expect(again.stored.secret_id).not.toBe(kept.secret_id);
  });
});

describe('authenticate', () => {
  const withSecrets = (...secrets: string[]) =>
    account(...secrets.map((secret, i) => stored(secret, { secret_id: `sk_000000000000000${i}` })));

  test('a cached hit is accepted without a refresh; a refused secret is checked once more against a refresh', async () => {
    const calls: string[] = [];
    let current = withSecrets('old');
    const fresh = withSecrets('old', 'new');
    const store: CredentialStore = {
      find: async () => (calls.push('find'), current),
      refresh: async () => (calls.push('refresh'), (current = fresh)),
    };
    expect(await authenticate(store, 'acct-1', 'old', () => NOW)).toBe(true);
    expect(calls).toEqual(['find']);
    // Rotated meanwhile: the cached copy refuses the new secret, the refreshed one accepts it.
    expect(await authenticate(store, 'acct-1', 'new', () => NOW)).toBe(true);
    expect(calls).toEqual(['find', 'find', 'refresh']);
    expect(await authenticate(store, 'acct-1', 'wrong', () => NOW)).toBe(false);
  });

  test('an unknown account takes the same path as a wrong secret (find, then refresh)', async () => {
    const calls: string[] = [];
    const store: CredentialStore = {
      find: async () => (calls.push('find'), undefined),
      refresh: async () => (calls.push('refresh'), undefined),
    };
    expect(await authenticate(store, 'nobody', 'x', () => NOW)).toBe(false);
    expect(calls).toEqual(['find', 'refresh']);
  });
});
