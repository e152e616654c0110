/**
 * `npm run seed -- FILE.json`: upserts a JSON array of orders (the API's order shape plus account_id)
 * into the running local stack's table. Invalid records are listed, the exit code is 1, and nothing is written.
 */
import { localSettings } from './local/settings';
import { localClient } from './local/dynamodb-local';
import { seedOrdersFromFile } from './local/seed-orders';
import { DependencyUnavailable } from '../domain/errors';

const main = async (): Promise<number> => {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: npm run seed -- FILE.json   (a JSON array of orders, each with account_id)');
    return 2;
  }
  const settings = localSettings();
  const client = localClient(settings.dynamodbEndpoint, settings.region);
  try {
    const report = await seedOrdersFromFile(client, settings.tableName, file);
    if (report.problems.length > 0) {
      console.error(`${file}: nothing written; fix these records:`);
      for (const problem of report.problems) console.error(`  - ${problem}`);
      return 1;
    }
    console.log(`${file}: upserted ${report.written} order record(s) into ${settings.tableName}`);
    return 0;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (
      error instanceof DependencyUnavailable ||
      /ECONNREFUSED|TimeoutError|ResourceNotFound/.test(`${name} ${String(error)}`)
    ) {
      console.error(
        `Cannot reach the local table ${settings.tableName} at ${settings.dynamodbEndpoint}: is \`npm start\` running?`,
      );
    } else {
      console.error(`seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  } finally {
    client.destroy();
  }
};

void main().then((code) => process.exit(code));
