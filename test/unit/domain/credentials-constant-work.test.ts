import { beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as crypto from 'node:crypto';
import type * as Credentials from '../../../domain/credentials';

// Counts the HMACs verifySecret computes: the same work for an unknown account, a wrong secret and a right one.
const hmacs = { count: 0 };
jest.doMock('node:crypto', () => ({
  ...crypto,
  createHmac: (...args: Parameters<typeof crypto.createHmac>) => {
    hmacs.count += 1;
    return crypto.createHmac(...args);
  },
}));

let credentials: typeof Credentials;
beforeAll(async () => {
  credentials = await import('../../../domain/credentials');
});
beforeEach(() => {
  hmacs.count = 0;
});

const NOW = new Date('2026-12-05T08:00:00.000Z');
const secret = (value: string, id: string) => ({
  secret_id: id,
  created_at: '2026-12-01T00:00:00.000Z',
  salt: '00112233445566778899aabbccddeeff',
  secret_hash: crypto
    .createHmac('sha256', Buffer.from('00112233445566778899aabbccddeeff', 'hex'))
    .update(value)
    .digest('hex'),
});
const one: Credentials.AccountCredentials = { account_id: 'a', secrets: [secret('s3cret', 'sk_0000000000000001')] };
const two: Credentials.AccountCredentials = {
  account_id: 'b',
  secrets: [secret('old', 'sk_0000000000000001'), secret('new', 'sk_0000000000000002')],
};

describe('verifySecret does the same work whatever the outcome (decoys fill the empty slots)', () => {
  test.each<[string, string, Credentials.AccountCredentials | undefined, boolean]>([
    ['unknown account', 's3cret', undefined, false],
    ['account without secrets', 's3cret', { account_id: 'c', secrets: [] }, false],
    ['one secret, wrong', 'wrong', one, false],
    ['one secret, right', 's3cret', one, true],
    ['two secrets, wrong', 'wrong', two, false],
    ['two secrets, the first', 'old', two, true],
    ['two secrets, the second', 'new', two, true],
  ])('%s: always MAX_ACTIVE_SECRETS HMACs', (_label, presented, account, accepted) => {
    expect(credentials.verifySecret(presented, account, NOW)).toBe(accepted);
    expect(hmacs.count).toBe(credentials.MAX_ACTIVE_SECRETS);
  });
});
