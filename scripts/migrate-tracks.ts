/**
 * `npm run migrate-tracks -- [--dry-run] [--stage STAGE] [--restart]`: moves the long inline tracks of orders stored
 * in the one-item layout into track chunks (adapters/dynamodb/track-migration.ts), in the running local stack's
 * table, or a deployed stage's with --stage (AWS credentials and region from the environment). Safe while the service
 * serves; resumable: the scan position is saved after every page in .local/migrate-tracks-<table>.json and the next
 * run goes on from there (--restart starts from the beginning). --dry-run counts what would move and writes nothing.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toDocumentClient } from '../adapters/aws-clients';
import { migrateTracks, type MigrationProgress } from '../adapters/dynamodb/track-migration';
import { localSettings, stageTableName } from './local/settings';

const USAGE = 'usage: npm run migrate-tracks -- [--dry-run] [--stage STAGE] [--restart]';

const cursorFile = (tableName: string): string => join(process.cwd(), '.local', `migrate-tracks-${tableName}.json`);

const readCursor = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

const main = async (): Promise<number> => {
  let args;
  try {
    args = parseArgs({
      options: { 'dry-run': { type: 'boolean' }, stage: { type: 'string' }, restart: { type: 'boolean' } },
      allowPositionals: false,
    });
  } catch {
    console.error(USAGE);
    return 2;
  }
  const { stage, restart } = args.values;
  const dryRun = args.values['dry-run'] === true;
  if (stage !== undefined && !/^[A-Za-z0-9-]+$/.test(stage)) {
    console.error(USAGE);
    return 2;
  }
  const settings = localSettings();
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? settings.region;
  const tableName = stage === undefined ? settings.tableName : stageTableName(stage);
  const endpoint = stage === undefined ? settings.dynamodbEndpoint : process.env.DYNAMODB_ENDPOINT || undefined;
  // Longer per-call budgets than the request path's: a move of a 400 KB track is one transaction of ~50 items.
  const client = toDocumentClient(
    new DynamoDBClient({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(stage === undefined ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: 5,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    }),
  );
  const file = cursorFile(tableName);
  if (restart === true) rmSync(file, { force: true });
  const cursor = dryRun ? undefined : readCursor(file);
  const started = Date.now();
  const report = (progress: MigrationProgress, done: boolean) =>
    console.log(
      `${tableName}: ${progress.scanned} record(s) with an inline track scanned, ${progress.moved} ` +
        `${dryRun ? 'would move' : 'moved'} (${progress.fixes} fixes)` +
        (progress.skipped > 0 ? `, ${progress.skipped} kept changing (run again)` : '') +
        `${done ? ' - done' : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  try {
    if (cursor !== undefined) console.log(`${tableName}: resuming from ${file}`);
    const result = await migrateTracks(client, tableName, {
      dryRun,
      cursor,
      onPage: (progress) => {
        if (!dryRun && progress.cursor !== undefined) {
          mkdirSync(join(process.cwd(), '.local'), { recursive: true });
          writeFileSync(file, JSON.stringify(progress.cursor));
        }
      },
    });
    if (!dryRun) rmSync(file, { force: true });
    report(result, true);
    return result.skipped > 0 ? 1 : 0;
  } catch (error) {
    console.error(
      `migration stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` +
        (dryRun ? '' : ` (run again to resume from ${file})`),
    );
    return 1;
  } finally {
    client.destroy();
  }
};

void main().then((code) => process.exit(code));
