import { readFileSync } from 'node:fs';
import { accountsDocumentSchema, type AccountsDocument } from './accounts-document';
import type { AccountCredential, CredentialStore } from '../../domain/ports';

/** Local development: account credentials (hashes only) from a checked-in JSON file, read once. */
export class FileCredentialStore implements CredentialStore {
  private document: AccountsDocument | undefined;

  constructor(private readonly path: string) {}

  async find(accountId: string): Promise<AccountCredential | undefined> {
    this.document ??= accountsDocumentSchema.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    return Object.hasOwn(this.document.accounts, accountId) ? this.document.accounts[accountId] : undefined;
  }
}
