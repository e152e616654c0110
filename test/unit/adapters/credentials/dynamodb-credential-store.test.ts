import { afterEach, describe, expect, test } from '@jest/globals';
import { DynamoDBClient, InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbCredentialStore } from '../../../../adapters/credentials/dynamodb-credential-store';
import { createCredential, verifySecret } from '../../../../domain/credentials';
import { DependencyUnavailable } from '../../../../domain/errors';

const TABLE = 'accounts-unit';
const TTL_MS = 60_000;
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(documentClient);
afterEach(() => {
  ddb.reset();
});

const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
const item = (accountId: string, secret: string) => ({
  account_id: accountId,
  secrets: [{ secret_id: 'sk_00000000000000aa', created_at: '2026-12-01T00:00:00.000Z', ...createCredential(secret) }],
});

const storeWith = (options: { maxEntries?: number } = {}) => {
  let now = 1_000_000;
  const store = new DynamoDbCredentialStore(documentClient, TABLE, {
    ttlMs: TTL_MS,
    maxEntries: options.maxEntries ?? 100,
    now: () => now,
  });
  return { store, advance: (ms: number) => (now += ms) };
};

const getCalls = () => ddb.commandCalls(GetCommand).map((call) => call.args[0].input);
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

describe('DynamoDbCredentialStore', () => {
  test('a miss is ONE strongly consistent GetItem of the account; a warm hit makes no call', async () => {
    ddb.on(GetCommand).resolves({ Item: item('acct-1', 's3cret') });
    const { store } = storeWith();

    const first = await store.find('acct-1');
    expect(verifySecret('s3cret', first, new Date())).toBe(true);
    expect(getCalls()).toEqual([
      {
        TableName: TABLE,
        Key: { account_id: 'acct-1' },
        ProjectionExpression: 'account_id, secrets',
        ConsistentRead: true,
      },
    ]);

    for (let i = 0; i < 10; i += 1) await store.find('acct-1');
    expect(getCalls()).toHaveLength(1);
  });

  test('an unknown id is cached negatively: looking it up again costs nothing until the TTL passes', async () => {
    ddb.on(GetCommand).resolves({});
    const { store, advance } = storeWith();
    expect(await store.find('nobody')).toBeUndefined();
    expect(await store.find('nobody')).toBeUndefined();
    expect(getCalls()).toHaveLength(1);
    advance(TTL_MS);
    expect(await store.find('nobody')).toBeUndefined();
    expect(getCalls()).toHaveLength(2);
  });

  test('the negative cache is bounded, and a flood of random ids never evicts a known account', async () => {
    ddb
      .on(GetCommand)
      .callsFake((input: { Key: { account_id: string } }) =>
        input.Key.account_id === 'acct-1' ? { Item: item('acct-1', 's3cret') } : {},
      );
    const { store } = storeWith({ maxEntries: 50 });
    await store.find('acct-1');
    for (let i = 0; i < 500; i += 1) await store.find(`random-${i}`);
    expect(getCalls()).toHaveLength(501);
    // The known account is still cached (no read)...
    await store.find('acct-1');
    expect(getCalls()).toHaveLength(501);
    // ...the 50 most recent unknown ids are cached, the oldest were evicted (bounded memory).
    await store.find('random-499');
    await store.find('random-450');
    expect(getCalls()).toHaveLength(501);
    await store.find('random-0');
    expect(getCalls()).toHaveLength(502);
  });

  test('the known-accounts cache is bounded too (least recently used goes first)', async () => {
    ddb.on(GetCommand).callsFake((input: { Key: { account_id: string } }) => ({
      Item: item(input.Key.account_id, 's3cret'),
    }));
    const { store } = storeWith({ maxEntries: 2 });
    await store.find('a');
    await store.find('b');
    await store.find('a'); // a is now the most recently used
    await store.find('c'); // evicts b
    expect(getCalls()).toHaveLength(3);
    await store.find('a');
    expect(getCalls()).toHaveLength(3);
    await store.find('b');
    expect(getCalls()).toHaveLength(4);
  });

  test('concurrent misses for one id share one GetItem', async () => {
    ddb.on(GetCommand).resolves({ Item: item('acct-1', 's3cret') });
    const { store } = storeWith();
    const found = await Promise.all(Array.from({ length: 20 }, () => store.find('acct-1')));
    expect(found.every((credentials) => credentials?.account_id === 'acct-1')).toBe(true);
    expect(getCalls()).toHaveLength(1);
  });

  test('a revoked secret stops working once the TTL passes (fake clock): the bound on revocation', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: item('acct-1', 'old-secret') });
    const { store, advance } = storeWith();
    expect(verifySecret('old-secret', await store.find('acct-1'), new Date())).toBe(true);
    // Revoked in the table (only the new secret left): the cached copy still answers until the TTL...
    ddb.on(GetCommand).resolves({ Item: item('acct-1', 'new-secret') });
    advance(TTL_MS - 1);
    expect(verifySecret('old-secret', await store.find('acct-1'), new Date())).toBe(true);
    // ...and not one millisecond after.
    advance(1);
    expect(verifySecret('old-secret', await store.find('acct-1'), new Date())).toBe(false);
    expect(verifySecret('new-secret', await store.find('acct-1'), new Date())).toBe(true);
  });

  test('worst case: revoked just after the server read, answered 2 s late: refused TTL after the revocation', async () => {
    // Issue 22: the TTL used to count from the answer, so this secret was still accepted 62 s after its revocation.
    // The server reads the item (strongly consistent) as the request is sent; the revocation lands 1 ms later; the
    // answer takes 2 s (a slow attempt; a retried one is later still). The bound: TTL after the revocation.
    const { store, advance } = storeWith();
    let revokedAt = 0;
    ddb.on(GetCommand).callsFakeOnce(async () => {
      const answer = { Item: item('acct-1', 'old-secret') }; // what the server read
      revokedAt = advance(1); // ...and the revocation right after
      advance(1_999); // the answer arrives 2 s after the read was sent
      return answer;
    });
    expect(verifySecret('old-secret', await store.find('acct-1'), new Date())).toBe(true);
    ddb.on(GetCommand).resolves({ Item: item('acct-1', 'new-secret') });
    const acceptedAt = async (at: number) => {
      advance(at - advance(0)); // the clock to `at`
      return verifySecret('old-secret', await store.find('acct-1'), new Date());
    };
    expect(await acceptedAt(revokedAt + TTL_MS - 2)).toBe(true); // still within the bound: allowed
    expect(await acceptedAt(revokedAt + TTL_MS - 1)).toBe(false); // the entry (read sent at revokedAt - 1) expired
    expect(getCalls().every((call) => call.ConsistentRead === true)).toBe(true);
    process.stdout.write(
      `revoked secret refused ${TTL_MS - 1} ms after its revocation (TTL ${TTL_MS} ms, answer 2 s late)\n`,
    );
  });

  test('an account created after its id was looked up works once the negative entry expires', async () => {
    ddb.on(GetCommand).resolvesOnce({});
    const { store, advance } = storeWith();
    expect(await store.find('acct-new')).toBeUndefined();
    ddb.on(GetCommand).resolves({ Item: item('acct-new', 's3cret') });
    advance(TTL_MS);
    expect(verifySecret('s3cret', await store.find('acct-new'), new Date())).toBe(true);
  });

  test('refresh (after a refused secret) re-reads at most once per second per id: a rotated-in secret works at once', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: item('acct-1', 'old-secret') });
    const { store, advance } = storeWith();
    await store.find('acct-1'); // a legitimate request: read, cached
    ddb.on(GetCommand).resolves({ Item: item('acct-1', 'new-secret') });
    // The first refused secret re-reads (whenever the last legitimate read was)...
    advance(10);
    expect(verifySecret('new-secret', await store.find('acct-1'), new Date())).toBe(false);
    expect(verifySecret('new-secret', await store.refresh('acct-1'), new Date())).toBe(true);
    expect(getCalls()).toHaveLength(2);
    // ...and the refreshed copy is what find serves from then on.
    expect(verifySecret('new-secret', await store.find('acct-1'), new Date())).toBe(true);
    expect(getCalls()).toHaveLength(2);
    // Within a second of that re-read, further refused secrets are answered from the cache (a burst costs nothing).
    advance(999);
    await store.find('acct-1');
    await store.refresh('acct-1');
    expect(getCalls()).toHaveLength(2);
    advance(1);
    await store.find('acct-1');
    await store.refresh('acct-1');
    expect(getCalls()).toHaveLength(3);
  });

  test('refresh of an unknown id: same rate limit; an account created meanwhile is found', async () => {
    ddb.on(GetCommand).resolvesOnce({});
    const { store, advance } = storeWith();
    // find reads (a miss); the refusal's refresh uses that read: one read per refused secret.
    expect(await store.find('acct-new')).toBeUndefined();
    expect(await store.refresh('acct-new')).toBeUndefined();
    expect(getCalls()).toHaveLength(1);
    ddb.on(GetCommand).resolves({ Item: item('acct-new', 's3cret') });
    advance(1_000);
    expect(await store.find('acct-new')).toBeUndefined();
    expect(verifySecret('s3cret', await store.refresh('acct-new'), new Date())).toBe(true);
    expect(getCalls()).toHaveLength(2);
  });

  test('every refused secret costs exactly one read, known or unknown id, whatever legitimate traffic did before', async () => {
    // Issue 22: a refresh skipped because a legitimate request had read the account within the last second told
    // a prober that the account was in use. Now only refused secrets start the 1 s window.
    ddb
      .on(GetCommand)
      .callsFake((input: { Key: { account_id: string } }) =>
        input.Key.account_id === 'acct-1' ? { Item: item('acct-1', 's3cret') } : {},
      );
    const { store, advance } = storeWith();
    const readsOf = async (accountId: string, before: () => Promise<unknown>) => {
      await before();
      const calls = getCalls().length;
      await store.find(accountId); // the refused attempt: find, then refresh (as authenticate does)
      await store.refresh(accountId);
      return getCalls().length - calls;
    };
    // Just after a legitimate request read the account (or the unknown id): one read, as for a cold id.
    expect(await readsOf('acct-1', () => store.find('acct-1'))).toBe(1);
    advance(5_000);
    expect(await readsOf('nobody', () => store.find('nobody'))).toBe(1);
    advance(5_000);
    // Cold (never looked up): one read each.
    expect(await readsOf('acct-1', async () => advance(120_000))).toBe(1);
    expect(await readsOf('nobody-2', async () => undefined)).toBe(1);
    // Cached long ago by legitimate traffic: one read each.
    advance(30_000);
    expect(await readsOf('acct-1', async () => undefined)).toBe(1);
    expect(await readsOf('nobody-2', async () => undefined)).toBe(1);
  });

  test.each([
    ['throttled', throttled],
    ['a server error', () => new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } })],
    ['unreachable', () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })],
  ])('DynamoDB %s -> DependencyUnavailable (503); past its TTL a cached account is NOT served', async (_l, fault) => {
    ddb.on(GetCommand).resolvesOnce({ Item: item('acct-1', 's3cret') });
    const { store, advance } = storeWith();
    await store.find('acct-1');
    ddb.on(GetCommand).rejects(fault());
    advance(TTL_MS);
    const failure = await rejection(store.find('acct-1'));
    expect(failure).toBeInstanceOf(DependencyUnavailable);
    expect((failure as DependencyUnavailable).dependency).toBe('dynamodb');
  });

  test('a failed read is not cached: the next request reads again', async () => {
    ddb
      .on(GetCommand)
      .rejectsOnce(throttled())
      .resolves({ Item: item('acct-1', 's3cret') });
    const { store } = storeWith();
    expect(await rejection(store.find('acct-1'))).toBeInstanceOf(DependencyUnavailable);
    expect((await store.find('acct-1'))?.account_id).toBe('acct-1');
  });

  test('a malformed item is an error (a 500), never an open door', async () => {
    ddb.on(GetCommand).resolves({ Item: { account_id: 'acct-1', secrets: [{ secret_id: 'x' }] } });
    const { store } = storeWith();
    const failure = await rejection(store.find('acct-1'));
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(DependencyUnavailable);
  });
});
