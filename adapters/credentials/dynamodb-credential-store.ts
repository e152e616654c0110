import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountCredentials, CredentialStore } from '../../domain/credentials';
import { DependencyUnavailable } from '../../domain/errors';
import { isDependencyUnavailable } from '../aws-errors';
import { parseCredentials } from './account-item';
import { BoundedCache } from './bounded-cache';

export interface CredentialCacheOptions {
  /** How long a looked-up account (or its absence) is trusted: the bound on how late a revocation takes effect. */
  ttlMs: number;
  /** Size cap of each cache (known accounts, unknown ids); least recently used entries go first. */
  maxEntries: number;
  /** After a refused secret, an id is read again only if its cached answer is older than this (default 1 s). */
  minRefreshMs?: number;
  now?: () => number;
}

interface Cached<V> {
  value: V;
  readAt: number;
}

/**
 * The request path's view of the accounts table. A warm hit costs no call; a miss is ONE eventually consistent
 * GetItem (0.5 read units), shared by concurrent requests for the same id. Unknown ids are cached too (negatively,
 * in their own bounded cache, so a flood of random ids cannot evict the known accounts). Past its TTL an entry
 * is never used, even when DynamoDB is down: no stale allow. A refused secret may re-read the id (`refresh`), at
 * most once per `minRefreshMs`, so a rotated-in secret works at once while failures stay cheap.
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
    return cached === undefined ? this.readShared(accountId) : cached.value;
  }

  async refresh(accountId: string): Promise<AccountCredentials | undefined> {
    const cached = this.cached(accountId);
    if (cached !== undefined && this.now() - cached.readAt < this.minRefreshMs) return cached.value;
    return this.readShared(accountId);
  }

  private cached(accountId: string): Cached<AccountCredentials | undefined> | undefined {
    const hit = this.known.get(accountId);
    if (hit.found) return hit.value;
    const miss = this.unknown.get(accountId);
    return miss.found ? miss.value : undefined;
  }

  private readShared(accountId: string): Promise<AccountCredentials | undefined> {
    let pending = this.inflight.get(accountId);
    if (pending === undefined) {
      pending = this.read(accountId).finally(() => this.inflight.delete(accountId));
      this.inflight.set(accountId, pending);
    }
    return pending;
  }

  private async read(accountId: string): Promise<AccountCredentials | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const output = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { account_id: accountId },
          ProjectionExpression: 'account_id, secrets',
        }),
      );
      item = output.Item;
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('dynamodb', { cause: error });
      throw error;
    }
    const readAt = this.now();
    if (item === undefined) {
      this.known.delete(accountId);
      this.unknown.set(accountId, { value: undefined, readAt });
      return undefined;
    }
    const credentials = parseCredentials(item);
    this.unknown.delete(accountId);
    this.known.set(accountId, { value: credentials, readAt });
    return credentials;
  }
}
