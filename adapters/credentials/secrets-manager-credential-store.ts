import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DependencyUnavailable } from '../../domain/errors';
import type { AccountCredential, CredentialStore } from '../../domain/ports';
import { isDependencyUnavailable } from '../aws-errors';
import { accountsDocumentSchema, type AccountsDocument } from './accounts-document';

/**
 * Deployed: the accounts document from Secrets Manager, cached for `cacheMs` across warm invocations.
 * Past its expiry the cache is never used, even when Secrets Manager is down: no stale "allow".
 * Concurrent misses share one fetch.
 */
export class SecretsManagerCredentialStore implements CredentialStore {
  private cached: { document: AccountsDocument; expiresAt: number } | undefined;
  private inflight: Promise<AccountsDocument> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(accountId: string): Promise<AccountCredential | undefined> {
    const document = await this.load();
    return Object.hasOwn(document.accounts, accountId) ? document.accounts[accountId] : undefined;
  }

  private async load(): Promise<AccountsDocument> {
    if (this.cached !== undefined && this.cached.expiresAt > this.now()) return this.cached.document;
    this.cached = undefined;
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetch(): Promise<AccountsDocument> {
    let secretString: string | undefined;
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      secretString = output.SecretString;
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('secretsmanager', { cause: error });
      throw error;
    }
    if (secretString === undefined) throw new Error('accounts secret has no SecretString');
    const document = accountsDocumentSchema.parse(JSON.parse(secretString));
    this.cached = { document, expiresAt: this.now() + this.cacheMs };
    return document;
  }
}
