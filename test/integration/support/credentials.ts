import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbCredentialStore } from '../../../adapters/credentials/dynamodb-credential-store';
import type { CredentialStore } from '../../../domain/credentials';
import { endpoint } from './dynamo';

/** The accounts table global-setup.ts created and seeded with config/local-accounts.json (as `npm start` does). */
export const accountsTableName = (): string => {
  const value = process.env.ACCOUNTS_TABLE_NAME;
  if (value === undefined || value === '')
    throw new Error('ACCOUNTS_TABLE_NAME not set: run with --selectProjects integration');
  return value;
};

/**
 * The service's credential store (as the Lambda builds it) on that table: local-account / local-secret and
 * other-account / other-secret.
 */
export const localCredentials = (
  options: { dynamodbEndpoint?: string; ttlMs?: number; now?: () => number } = {},
): CredentialStore =>
  new DynamoDbCredentialStore(
    createDocumentClient({ region: 'us-east-1', endpoint: options.dynamodbEndpoint ?? endpoint() }),
    accountsTableName(),
    { ttlMs: options.ttlMs ?? 60_000, maxEntries: 10_000, ...(options.now === undefined ? {} : { now: options.now }) },
  );
