import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  AccountProblem,
  importedAccount,
  newAccount,
  revokeSecret,
  rotateAccount,
  type Account,
  type IssuedSecret,
} from '../../domain/accounts';
import { DependencyUnavailable } from '../../domain/errors';
import { isDependencyUnavailable } from '../aws-errors';
import type { AccountsDocument } from './accounts-document';
import { parseAccountItem, toAccountItem } from './account-item';

/**
 * The operators' side of the accounts table (`npm run accounts`). Every change is ONE conditional write: create
 * and import only where no item exists; rotate, revoke and delete only on the `revision` just read (a random token
 * every write renews, so a change computed from an account that was deleted meanwhile can never land on one
 * re-created under the same id). Two operators at once: one wins, the other is told, nothing is lost. The request
 * function never uses this (its role may only GetItem).
 *
 * A write whose answer was lost (applied, but answered after the SDK's per-attempt budget, so its retry fails its
 * own condition) is recognised by the item the refused retry returns (ReturnValuesOnConditionCheckFailure ALL_OLD)
 * carrying this write's revision, or, when no attempt was answered at all, by reading the item back: "my write is
 * already there" is success.
 */
export class AccountsTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Strongly consistent: an operator sees their own last change. */
  async get(accountId: string): Promise<Account | undefined> {
    const output = await this.call(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { account_id: accountId }, ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : parseAccountItem(output.Item);
  }

  async create(accountId: string): Promise<IssuedSecret> {
    const { account, issued } = newAccount(accountId, this.now());
    await this.putNew(account);
    return issued;
  }

  async rotate(accountId: string, oldExpiresAt?: Date): Promise<IssuedSecret> {
    const current = await this.mustGet(accountId);
    const { account, issued } = rotateAccount(current, this.now(), oldExpiresAt);
    await this.replace(account, current);
    return issued;
  }

  async revoke(accountId: string, secretId: string): Promise<Account> {
    const current = await this.mustGet(accountId);
    const account = revokeSecret(current, secretId, this.now());
    await this.replace(account, current);
    return account;
  }

  /**
   * Deletes the account as just read. Refused if it changed meanwhile; if it is gone when the delete is refused
   * (this delete's own earlier attempt, answered too late, or another operator's), it is deleted: success.
   */
  async delete(accountId: string): Promise<void> {
    const current = await this.mustGet(accountId);
    try {
      await this.call(() =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { account_id: accountId },
            ...sameLifetime(current),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if (error.Item === undefined) return;
        throw concurrentChange(accountId);
      }
      if (error instanceof DependencyUnavailable && (await this.readBack(accountId)) === null) return;
      throw error;
    }
  }

  /** Every account, a page (Scan) at a time. */
  async *list(): AsyncGenerator<Account> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start })),
      );
      for (const item of page.Items ?? []) yield parseAccountItem(item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  /** The old accounts document's entries, with their hashes; an account that exists already is left alone. */
  async importDocument(document: AccountsDocument): Promise<{ imported: string[]; existing: string[] }> {
    const imported: string[] = [];
    const existing: string[] = [];
    for (const [accountId, hash] of Object.entries(document.accounts)) {
      try {
        await this.putNew(importedAccount(accountId, hash, this.now()));
        imported.push(accountId);
      } catch (error) {
        if (!(error instanceof AccountProblem && error.code === 'account_exists')) throw error;
        existing.push(accountId);
      }
    }
    return { imported, existing };
  }

  /**
   * Unconditional batch put (25 items a call, `parallel` calls at once, unprocessed items retried): for seeding the
   * local stack and test tables, never for operator changes.
   */
  async putAll(accounts: readonly Account[], parallel = 8): Promise<void> {
    const batches: Account[][] = [];
    for (let at = 0; at < accounts.length; at += 25) batches.push(accounts.slice(at, at + 25));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++] as Account[];
        let requests = batch.map((account) => ({ PutRequest: { Item: toAccountItem(account) } }));
        for (let attempt = 0; requests.length > 0; attempt += 1) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
          const output = await this.call(() =>
            this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
          );
          requests = (output.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
  }

  private async mustGet(accountId: string): Promise<Account> {
    const account = await this.get(accountId);
    if (account === undefined) throw unknownAccount(accountId);
    return account;
  }

  private putNew(account: Account): Promise<void> {
    return this.put(account, { ConditionExpression: 'attribute_not_exists(account_id)' }, () => {
      return new AccountProblem('account_exists', `account ${account.account_id} exists already`);
    });
  }

  private replace(account: Account, read: Account): Promise<void> {
    return this.put(account, sameLifetime(read), () => concurrentChange(account.account_id));
  }

  /**
   * One conditional PutItem of `account` (which carries a new revision). Refused: success if the refusing item is
   * this very write (an earlier attempt applied, its answer lost), else `refused()`. Unanswered (every attempt
   * timed out or failed): read back, success if this write is there.
   */
  private async put(account: Account, condition: Condition, refused: () => AccountProblem): Promise<void> {
    try {
      await this.call(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toAccountItem(account),
            ...condition,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if (error.Item !== undefined && revisionOf(unmarshall(error.Item)) === account.revision) return;
        throw refused();
      }
      if (
        error instanceof DependencyUnavailable &&
        (await this.readBack(account.account_id))?.revision === account.revision
      ) {
        return;
      }
      throw error;
    }
  }

  /** After a write nobody answered: the account as stored, null if there is none, undefined if the read fails too. */
  private async readBack(accountId: string): Promise<Account | null | undefined> {
    try {
      return (await this.get(accountId)) ?? null;
    } catch {
      return undefined;
    }
  }

  /** DynamoDB throttled, failing or unreachable: DependencyUnavailable (the CLI says so in one line). */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('dynamodb', { cause: error });
      throw error;
    }
  }
}

const unknownAccount = (accountId: string) => new AccountProblem('unknown_account', `no account ${accountId}`);
const concurrentChange = (accountId: string) =>
  new AccountProblem(
    'concurrent_change',
    `account ${accountId} was changed or deleted by someone else meanwhile; nothing written, run the command again`,
  );

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * The write applies only to the item exactly as read: same revision. An item written before revisions existed
 * (no `revision`) is matched on its absence, its version and its creation time; the write then adds a revision.
 */
const sameLifetime = (read: Account): Condition =>
  read.revision === undefined
    ? {
        ConditionExpression: 'attribute_not_exists(revision) AND version = :version AND created_at = :created',
        ExpressionAttributeValues: { ':version': read.version, ':created': read.created_at },
      }
    : { ConditionExpression: 'revision = :revision', ExpressionAttributeValues: { ':revision': read.revision } };

const revisionOf = (item: Record<string, unknown>): unknown => item.revision;
