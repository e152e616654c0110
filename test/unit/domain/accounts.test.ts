import { describe, expect, test } from '@jest/globals';
import {
  AccountProblem,
  describeAccount,
  importedAccount,
  newAccount,
  revokeSecret,
  rotateAccount,
  type Account,
} from '../../../domain/accounts';
import { verifySecret } from '../../../domain/credentials';

const T0 = new Date('2026-12-05T08:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const problemOf = (run: () => unknown): AccountProblem => {
  try {
    run();
  } catch (error) {
    if (error instanceof AccountProblem) return error;
    throw error;
  }
  throw new Error('expected an AccountProblem');
};

describe('accounts: create, rotate, revoke, import', () => {
  test('create: version 1, one secret the printed secret opens', () => {
    const { account, issued } = newAccount('acme', T0);
    expect(account).toMatchObject({ account_id: 'acme', version: 1, created_at: T0.toISOString() });
    expect(account.secrets).toHaveLength(1);
    expect(issued).toEqual({
      account_id: 'acme',
      secret_id: account.secrets[0]?.secret_id,
      secret: expect.any(String),
    });
    expect(verifySecret(issued.secret, account, T0)).toBe(true);
  });

  test('rotate: adds a second secret, both open, version + 1; a third rotate is refused', () => {
    const { account, issued: first } = newAccount('acme', T0);
    const { account: rotated, issued: second } = rotateAccount(account, later(1_000));
    expect(rotated.version).toBe(2);
    expect(rotated.secrets.map((s) => s.secret_id)).toEqual([first.secret_id, second.secret_id]);
    expect(verifySecret(first.secret, rotated, later(2_000))).toBe(true);
    expect(verifySecret(second.secret, rotated, later(2_000))).toBe(true);
    const refused = problemOf(() => rotateAccount(rotated, later(3_000)));
    expect(refused.code).toBe('two_active_secrets');
    expect(refused.message).toContain(first.secret_id);
  });

  test('rotate with an expiry for the old secret: the old one stops at it, and the slot frees up after it', () => {
    const { account, issued: first } = newAccount('acme', T0);
    const { account: rotated, issued: second } = rotateAccount(account, T0, later(60_000));
    expect(rotated.secrets[0]?.expires_at).toBe(later(60_000).toISOString());
    expect(rotated.secrets[1]?.expires_at).toBeUndefined();
    expect(verifySecret(first.secret, rotated, later(59_999))).toBe(true);
    expect(verifySecret(first.secret, rotated, later(60_000))).toBe(false);
    expect(verifySecret(second.secret, rotated, later(60_000))).toBe(true);
    // Refused while both are active; allowed once the old one expired (and it is dropped).
    expect(problemOf(() => rotateAccount(rotated, later(59_999))).code).toBe('two_active_secrets');
    const { account: third } = rotateAccount(rotated, later(60_000));
    expect(third.secrets.map((s) => s.secret_id)).not.toContain(first.secret_id);
    expect(third.secrets).toHaveLength(2);
  });

  test('revoke: removes exactly that secret; an unknown secret id is refused', () => {
    const { account, issued: first } = newAccount('acme', T0);
    const { account: rotated, issued: second } = rotateAccount(account, T0);
    const revoked = revokeSecret(rotated, first.secret_id, later(1));
    expect(revoked.version).toBe(3);
    // Every change carries a new random revision (the concurrency token): never repeated, not even by a new account.
    const revisions = [account, rotated, revoked, newAccount('acme', T0).account].map((a) => a.revision);
    expect(new Set(revisions).size).toBe(4);
    expect(revisions.every((revision) => typeof revision === 'string' && revision.length >= 16)).toBe(true);
    expect(verifySecret(first.secret, revoked, later(2))).toBe(false);
    expect(verifySecret(second.secret, revoked, later(2))).toBe(true);
    expect(problemOf(() => revokeSecret(revoked, first.secret_id, later(3))).code).toBe('unknown_secret');
  });

  test('import keeps the existing hash (the caller keeps the secret) and marks it imported', () => {
    const hash = {
      salt: '30ad5a483160181d0714cf8b5d6d7c6f',
      secret_hash: 'a27e645a7d05ca1db19a1271121cf26f646eaed32b81c51e2d80b95d5d41b2ab',
    };
    const account: Account = importedAccount('local-account', hash, T0);
    expect(verifySecret('local-secret', account, T0)).toBe(true);
    expect(account.secrets[0]).toMatchObject({ ...hash, imported: true });
  });

  test('describe shows ids and times, never a salt or a hash', () => {
    const { account } = newAccount('acme', T0);
    const { account: rotated } = rotateAccount(account, T0, later(1_000));
    const shown = JSON.stringify(describeAccount(rotated, later(2_000)));
    expect(shown).not.toContain(rotated.secrets[0]?.salt);
    expect(shown).not.toContain(rotated.secrets[0]?.secret_hash);
    expect(describeAccount(rotated, later(2_000)).secrets.map((s) => s.active)).toEqual([false, true]);
  });
});
