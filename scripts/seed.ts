/**
 * `npm run seed -- FILE.json`: upserts a JSON array of orders (the API's order shape plus account_id)
 * into the running local stack's table. Invalid records are listed, the exit code is 1, and nothing is written.
 * `npm run seed -- FILE.json --stage dev` writes to a deployed stage's table instead (AWS credentials and
 * region from the environment), e.g. to put a test order in dev (docs/operations.md).
 */
// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { parseArgs } from 'node:util';
import { createDynamoDbClient } from '../adapters/aws-clients';
import { localSettings, stageTableName } from './local/settings';
import { localClient } from './local/dynamodb-local';
import { seedOrdersFromFile } from './local/seed-orders';
import { DependencyUnavailable } from '../domain/errors';

const USAGE = 'usage: npm run seed -- FILE.json [--stage STAGE]   (a JSON array of orders, each with account_id)';

const main = async (): Promise<number> => {
  let args;
  try {
    args = parseArgs({ options: { stage: { type: 'string' } }, allowPositionals: true });
  } catch {
    console.error(USAGE);
    return 2;
  }
  const { stage } = args.values;
  const [file, ...more] = args.positionals;
  if (file === undefined || more.length > 0 || (stage !== undefined && !/^[A-Za-z0-9-]+$/.test(stage))) {
    console.error(USAGE);
    return 2;
  }
  const settings = localSettings();
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? settings.region;
  // A deployed stage: the SDK's own credential chain, unless DYNAMODB_ENDPOINT points elsewhere.
  const target =
    stage === undefined
      ? { tableName: settings.tableName, where: settings.dynamodbEndpoint, hint: 'is `npm start` running?' }
      : {
          tableName: stageTableName(stage),
          where: process.env.DYNAMODB_ENDPOINT || `AWS ${region}`,
          hint: `is stage ${stage} deployed there, and are your AWS credentials for that account?`,
        };
  const client =
    stage === undefined
      ? localClient(settings.dynamodbEndpoint, settings.region)
      : createDynamoDbClient({ region, endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
  try {
    const report = await seedOrdersFromFile(client, target.tableName, file);
    if (report.problems.length > 0) {
      console.error(`${file}: nothing written; fix these records:`);
      for (const problem of report.problems) console.error(`  - ${problem}`);
      return 1;
    }
    console.log(`${file}: upserted ${report.written} order record(s) into ${target.tableName} (${target.where})`);
    return 0;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (
      error instanceof DependencyUnavailable ||
      /ECONNREFUSED|TimeoutError|ResourceNotFound/.test(`${name} ${String(error)}`)
    ) {
      console.error(`Cannot reach the table ${target.tableName} at ${target.where}: ${target.hint}`);
    } else {
      console.error(`seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  } finally {
    client.destroy();
  }
};

void main().then((code) => process.exit(code));
