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
  now?: () => number;
}

/**
 * The request path's view of the accounts table. A warm hit costs no call; a miss is ONE eventually consistent
 * GetItem (0.5 read units), shared by concurrent requests for the same id. Unknown ids are cached too (negatively,
 * in their own bounded cache, so a flood of random ids cannot evict the known accounts). Past its TTL an entry
 * is never used, even when DynamoDB is down: no stale allow.
 */
export class DynamoDbCredentialStore implements CredentialStore {
  private readonly known: BoundedCache<AccountCredentials>;
  private readonly unknown: BoundedCache<true>;
  private readonly inflight = new Map<string, Promise<AccountCredentials | undefined>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: CredentialCacheOptions,
  ) {
    const now = options.now ?? Date.now;
    this.known = new BoundedCache(options.maxEntries, options.ttlMs, now);
    this.unknown = new BoundedCache(options.maxEntries, options.ttlMs, now);
  }

  async find(accountId: string): Promise<AccountCredentials | undefined> {
    const hit = this.known.get(accountId);
    if (hit.found) return hit.value;
    if (this.unknown.get(accountId).found) return undefined;
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
    if (item === undefined) {
      this.unknown.set(accountId, true);
      return undefined;
    }
    const credentials = parseCredentials(item);
    this.known.set(accountId, credentials);
    return credentials;
  }
}
