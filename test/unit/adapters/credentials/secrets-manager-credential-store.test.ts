import { afterEach, describe, expect, test } from '@jest/globals';
import {
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerCredentialStore } from '../../../../adapters/credentials/secrets-manager-credential-store';
import { createCredential, verifySecret } from '../../../../domain/credentials';
import { DependencyUnavailable } from '../../../../domain/errors';

const CACHE_MS = 300_000;
const SECRET_ID = 'orders/accounts';

const client = new SecretsManagerClient({ region: 'us-east-1' });
const secrets = mockClient(client);

afterEach(() => {
  secrets.reset();
});

const credential = createCredential('first-secret');
const rotated = createCredential('rotated-secret');
const document = (accounts: Record<string, { salt: string; secret_hash: string }>): string =>
  JSON.stringify({ accounts });

const setup = () => {
  let now = 1_000_000;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const store = new SecretsManagerCredentialStore(client, SECRET_ID, CACHE_MS, clock.now);
  return { store, clock };
};

const calls = (): number => secrets.commandCalls(GetSecretValueCommand).length;

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('SecretsManagerCredentialStore', () => {
  test('finds an account in the secret document, asking for the configured secret id', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: document({ 'acct-1': credential }) });
    const { store } = setup();
    await expect(store.find('acct-1')).resolves.toEqual(credential);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  test.each(['acct-2', 'constructor', '__proto__', 'toString'])(
    'an unknown account %j -> undefined',
    async (accountId) => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: document({ 'acct-1': credential }) });
      const { store } = setup();
      await expect(store.find(accountId)).resolves.toBeUndefined();
    },
  );

  test('caches the document within the TTL (one call)', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: document({ 'acct-1': credential }) });
    const { store, clock } = setup();
    await store.find('acct-1');
    clock.advance(CACHE_MS - 1);
    await store.find('acct-1');
    await store.find('acct-2');
    expect(calls()).toBe(1);
  });

  test('concurrent misses share one fetch', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: document({ 'acct-1': credential }) });
    const { store } = setup();
    const found = await Promise.all([store.find('acct-1'), store.find('acct-1'), store.find('acct-2')]);
    expect(found).toEqual([credential, credential, undefined]);
    expect(calls()).toBe(1);
  });

  test('refetches once the TTL has passed, and sees a rotated secret', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: document({ 'acct-1': credential }) })
      .resolves({ SecretString: document({ 'acct-1': rotated }) });
    const { store, clock } = setup();
    expect(verifySecret('first-secret', await store.find('acct-1'))).toBe(true);
    clock.advance(CACHE_MS);
    const after = await store.find('acct-1');
    expect(calls()).toBe(2);
    expect(verifySecret('first-secret', after)).toBe(false);
    expect(verifySecret('rotated-secret', after)).toBe(true);
  });

  test.each<[string, () => Error]>([
    ['InternalServiceError', () => new InternalServiceError({ message: 'boom', $metadata: {} })],
    [
      'ThrottlingException',
      () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }),
    ],
    ['ETIMEDOUT', () => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
  ])(
    'Secrets Manager down (%s) after expiry -> DependencyUnavailable, NOT a stale allow',
    async (_label, makeError) => {
      secrets
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: document({ 'acct-1': credential }) })
        .rejects(makeError());
      const { store, clock } = setup();
      expect(verifySecret('first-secret', await store.find('acct-1'))).toBe(true);

      clock.advance(CACHE_MS + 1);
      const error = await rejection(store.find('acct-1'));
      expect(error).toBeInstanceOf(DependencyUnavailable);
      expect((error as DependencyUnavailable).dependency).toBe('secretsmanager');

      // Still down: still refused, the expired document is not brought back.
      await expect(store.find('acct-1')).rejects.toBeInstanceOf(DependencyUnavailable);
      expect(calls()).toBe(3);
    },
  );

  test('a failed fetch is not cached: the next call asks again and recovers', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new InternalServiceError({ message: 'boom', $metadata: {} }))
      .resolves({ SecretString: document({ 'acct-1': credential }) });
    const { store } = setup();
    await expect(store.find('acct-1')).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(store.find('acct-1')).resolves.toEqual(credential);
    expect(calls()).toBe(2);
  });

  test('a non-transient error (missing secret) is rethrown as is', async () => {
    const missing = new ResourceNotFoundException({ message: 'no such secret', $metadata: { httpStatusCode: 400 } });
    secrets.on(GetSecretValueCommand).rejects(missing);
    const { store } = setup();
    await expect(store.find('acct-1')).rejects.toBe(missing);
  });

  test('a secret without SecretString is refused, not treated as "no accounts"', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    const { store } = setup();
    await expect(store.find('acct-1')).rejects.toThrow('no SecretString');
  });

  test('a malformed accounts document is refused', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ accounts: { 'acct-1': { salt: 'x', secret_hash: 'y' } } }) });
    const { store } = setup();
    await expect(store.find('acct-1')).rejects.toThrow();
  });
});
