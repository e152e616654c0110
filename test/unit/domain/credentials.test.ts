import { createHmac } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { createCredential, hashSecret, verifySecret } from '../../../domain/credentials';
import localAccounts from '../../../config/local-accounts.json';

describe('verifySecret', () => {
  const credential = createCredential('correct horse battery staple');

  test('true for the right secret', () => {
    expect(verifySecret('correct horse battery staple', credential)).toBe(true);
  });

  test.each(['wrong', '', 'correct horse battery staple ', 'Correct horse battery staple'])(
    'false for %j',
    (secret) => {
      expect(verifySecret(secret, credential)).toBe(false);
    },
  );

  test('false for an undefined credential, whatever the secret', () => {
    expect(verifySecret('correct horse battery staple', undefined)).toBe(false);
    expect(verifySecret('', undefined)).toBe(false);
  });

  test('false (not a throw) for a stored hash of the wrong length', () => {
    expect(verifySecret('x', { salt: credential.salt, secret_hash: 'abcd' })).toBe(false);
  });

  test('verifies the checked-in local account against its published secret', () => {
    expect(verifySecret('local-secret', localAccounts.accounts['local-account'])).toBe(true);
    expect(verifySecret('other-secret', localAccounts.accounts['local-account'])).toBe(false);
  });

  test('handles non-ASCII secrets as UTF-8', () => {
    const unicode = createCredential('pässwörd-\u{1F511}');
    expect(verifySecret('pässwörd-\u{1F511}', unicode)).toBe(true);
    expect(verifySecret('passwort-\u{1F511}', unicode)).toBe(false);
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
