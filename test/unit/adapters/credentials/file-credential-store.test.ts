import { resolve } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { FileCredentialStore } from '../../../../adapters/credentials/file-credential-store';
import { verifySecret } from '../../../../domain/credentials';

const LOCAL_ACCOUNTS = resolve(__dirname, '../../../../config/local-accounts.json');

describe('FileCredentialStore with config/local-accounts.json', () => {
  const store = new FileCredentialStore(LOCAL_ACCOUNTS);

  test.each([
    ['local-account', 'local-secret'],
    ['other-account', 'other-secret'],
  ])('%s / %s verifies', async (accountId, secret) => {
    expect(verifySecret(secret, await store.find(accountId))).toBe(true);
  });

  test.each([
    ['local-account', 'wrong-secret'],
    ['local-account', 'other-secret'],
    ['other-account', 'local-secret'],
    ['local-account', 'Local-secret'],
    ['local-account', ''],
  ])('%s / %j does not verify', async (accountId, secret) => {
    expect(verifySecret(secret, await store.find(accountId))).toBe(false);
  });

  test.each(['unknown-account', 'constructor', '__proto__', '_comment'])('%j is not an account', async (accountId) => {
    await expect(store.find(accountId)).resolves.toBeUndefined();
  });

  test('the file holds hashes only, never the secrets themselves', async () => {
    const credential = await store.find('local-account');
    expect(Object.keys(credential ?? {}).sort()).toEqual(['salt', 'secret_hash']);
    expect(JSON.stringify(credential)).not.toContain('local-secret');
  });

  test('a missing file fails loudly', async () => {
    await expect(
      new FileCredentialStore(resolve(__dirname, 'no-such-file.json')).find('local-account'),
    ).rejects.toThrow();
  });
});
