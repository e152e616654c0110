import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AccountCredentials, CredentialStore } from '../../domain/credentials';
import { DependencyUnavailable } from '../../domain/errors';
import { isDependencyUnavailable } from '../aws-errors';
import { parseCredentials } from './account-item';
import { BoundedCache } from './bounded-cache';

export interface CredentialCacheOptions {
  /**
   * How long a looked-up account (or its absence) is trusted, counted from when its read was SENT: the bound on how
   * late a revocation takes effect.
   */
  ttlMs: number;
  /** Size cap of each cache (known accounts, unknown ids); least recently used entries go first. */
  maxEntries: number;
  /** After a refused secret, an id is read again only if no refused secret re-read it within this (default 1 s). */
  minRefreshMs?: number;
  now?: () => number;
}

interface Cached<V> {
  value: V;
  /** When the read that produced this entry was sent. */
  readAt: number;
  /** When a refused secret last re-read this id (refresh), if it did; legitimate traffic never sets it. */
  refreshedAt: number | undefined;
  /** Whether `find` has answered from this entry (not just from the read that made it). */
  served: boolean;
}

/**
 * Decoded and parsed in place of an item when an id is unknown, so an unknown id costs the same client-side work as
 * a known account's item: the response body's JSON, the SDK's unmarshalling and our schema (same shape and size as
 * an account with one secret; never stored, never matched: its hash is of nothing anyone holds, and the result is
 * thrown away).
 */
const DECOY_ITEM: Record<string, unknown> = {
  account_id: 'decoy-account-0000',
  secrets: [
    {
      secret_id: 'sk_0000000000000000',
      salt: '00000000000000000000000000000000',
      secret_hash: '0000000000000000000000000000000000000000000000000000000000000000',
      created_at: '2026-01-01T00:00:00.000Z',
    },
  ],
};
/** The decoy as DynamoDB would send it: `{"Item":{...AttributeValues}}`. */
const DECOY_BODY = JSON.stringify({ Item: marshall(DECOY_ITEM) });
const decoyWork = (): void => {
  const body = JSON.parse(DECOY_BODY) as { Item: Parameters<typeof unmarshall>[0] };
  parseCredentials(unmarshall(body.Item));
};

/**
 * The request path's view of the accounts table. A warm hit costs no call; a miss is ONE strongly consistent
 * GetItem (1 read unit), shared by concurrent requests for the same id. Unknown ids are cached too (negatively, in
 * their own bounded cache, so a flood of random ids cannot evict the known accounts). An entry is trusted for
 * `ttlMs` from when its read was sent, and the read is strongly consistent, so an entry never holds a secret that
 * was revoked more than `ttlMs` earlier. Past its TTL an entry is never used, even when DynamoDB is down: no stale
 * allow.
 *
 * A refused secret may re-read the id (`refresh`), so a rotated-in secret works at once. Known and unknown ids take
 * the same path: both caches are looked up every time, a miss parses a decoy item as a hit parses the account, and
 * every refused secret costs exactly one read (the one `find` just made, or the re-read), except within
 * `minRefreshMs` of a previous refused secret's re-read of that id (then none). Only refused secrets start that
 * window, so how fast a wrong secret is refused says nothing about recent legitimate use.
 */
export class DynamoDbCredentialStore implements CredentialStore {
  private readonly known: BoundedCache<Cached<AccountCredentials>>;
  private readonly unknown: BoundedCache<Cached<undefined>>;
  private readonly minRefreshMs: number;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<AccountCredentials | undefined>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: CredentialCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.minRefreshMs = options.minRefreshMs ?? 1_000;
    this.known = new BoundedCache(options.maxEntries, options.ttlMs, this.now);
    this.unknown = new BoundedCache(options.maxEntries, options.ttlMs, this.now);
  }

  async find(accountId: string): Promise<AccountCredentials | undefined> {
    const cached = this.cached(accountId);
    if (cached === undefined) return this.readShared(accountId, false);
    cached.served = true;
    return cached.value;
  }

  async refresh(accountId: string): Promise<AccountCredentials | undefined> {
    const cached = this.cached(accountId);
    if (cached !== undefined) {
      // The entry `find` just read for this request (nobody answered from it yet): that read was this refusal's.
      if (!cached.served) return cached.value;
      // A refused secret re-read it within the interval: failures stay cheap.
      if (cached.refreshedAt !== undefined && this.now() - cached.refreshedAt < this.minRefreshMs) return cached.value;
    }
    return this.readShared(accountId, true);
  }

  /** Both caches, every time: a known and an unknown id take the same steps. */
  private cached(accountId: string): Cached<AccountCredentials | undefined> | undefined {
    const hit = this.known.get(accountId);
    const miss = this.unknown.get(accountId);
    return hit.found ? hit.value : miss.found ? miss.value : undefined;
  }

  private readShared(accountId: string, byRefresh: boolean): Promise<AccountCredentials | undefined> {
    let pending = this.inflight.get(accountId);
    if (pending === undefined) {
      pending = this.read(accountId, byRefresh).finally(() => this.inflight.delete(accountId));
      this.inflight.set(accountId, pending);
    }
    return pending;
  }

  private async read(accountId: string, byRefresh: boolean): Promise<AccountCredentials | undefined> {
    // Counted from before the read is sent: whatever the answer holds was true no earlier than this.
    const readAt = this.now();
    let item: Record<string, unknown> | undefined;
    try {
      const output = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { account_id: accountId },
          ProjectionExpression: 'account_id, secrets',
          ConsistentRead: true,
        }),
      );
      item = output.Item;
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('dynamodb', { cause: error });
      throw error;
    }
    const entry = { readAt, refreshedAt: byRefresh ? readAt : undefined, served: false };
    if (item === undefined) {
      decoyWork(); // the work a found item costs; the result is not used
      this.known.delete(accountId);
      this.unknown.set(accountId, { ...entry, value: undefined }, readAt);
      return undefined;
    }
    const credentials = parseCredentials(item);
    this.unknown.delete(accountId);
    this.known.set(accountId, { ...entry, value: credentials }, readAt);
    return credentials;
  }
}
