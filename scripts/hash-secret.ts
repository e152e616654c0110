/**
 * Makes an accounts-document entry for one account: `npm run hash-secret -- ACCOUNT_ID` reads the
 * secret from stdin (so it never lands in shell history) and prints the JSON entry to store.
 */
import { createCredential } from '../domain/credentials';
import { ACCOUNT_ID_PATTERN } from '../domain/order-fields';

const main = async (): Promise<void> => {
  const accountId = process.argv[2];
  if (accountId === undefined || !ACCOUNT_ID_PATTERN.test(accountId)) {
    console.error(
      'usage: npm run hash-secret -- ACCOUNT_ID < secret.txt   (account id: A-Z a-z 0-9 . _ -, 1-64 characters)',
    );
    process.exit(2);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (secret.length < 8) {
    console.error('the secret must be at least 8 characters (issue random keys of 128 bits or more)');
    process.exit(2);
  }
  console.log(JSON.stringify({ [accountId]: createCredential(secret) }, null, 2));
};

void main();
