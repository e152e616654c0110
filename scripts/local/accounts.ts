import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { toDocumentClient } from '../../adapters/aws-clients';
import { accountsDocumentSchema, type AccountsDocument } from '../../adapters/credentials/accounts-document';
import { AccountsTable } from '../../adapters/credentials/accounts-table';
import { importedAccount } from '../../domain/accounts';
import { createTableOnce } from './dynamodb-local';
import table from '../../infra/accounts-table.json';

type TableInput = CreateTableCommand['input'];

/** The local accounts (`local-account` / `local-secret`, `other-account` / `other-secret`), as hashes only. */
export const LOCAL_ACCOUNTS_FILE = resolve(__dirname, '..', '..', 'config', 'local-accounts.json');

export const readAccountsDocument = (file: string): AccountsDocument =>
  accountsDocumentSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

/** Creates the accounts table (key schema as serverless.yml, from infra/accounts-table.json) unless it exists. */
export const ensureAccountsTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await createTableOnce(
    client,
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: table.AttributeDefinitions as TableInput['AttributeDefinitions'],
      KeySchema: table.KeySchema as TableInput['KeySchema'],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
};

/**
 * The local stack's accounts: the table, and the entries of config/local-accounts.json written afresh (their
 * existing hashes, as `npm run accounts -- import` would), so every documented curl works after each `npm start`.
 * Other accounts created locally are left alone.
 */
export const seedLocalAccounts = async (
  client: DynamoDBClient,
  tableName: string,
  file = LOCAL_ACCOUNTS_FILE,
): Promise<string[]> => {
  await ensureAccountsTable(client, tableName);
  const document = readAccountsDocument(file);
  const now = new Date();
  const accounts = Object.entries(document.accounts).map(([id, hash]) => importedAccount(id, hash, now));
  await new AccountsTable(toDocumentClient(client), tableName).putAll(accounts);
  return accounts.map((account) => account.account_id);
};
