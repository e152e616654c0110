import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { FakeEventBridge } from '../scripts/local/fakes/aws-endpoints';
import { FakeDynamoDb, type KeySchemaElement } from '../scripts/local/fakes/dynamodb/fake-dynamodb';
import { FakeXRayDaemon } from '../scripts/local/fakes/xray-daemon';
import { buildBundles, type Bundle, type Bundles } from './build';
import { apiEvent, type Selector } from './events';
import { lambdaRuntimeEnv, type LocalEndpoints } from './lambda-env';
import type { BenchOptions } from './options';
import { benchOrder } from './orders';
import { benchProfiles, deployedFunction, type DeployedFunction, type Profile } from './profile';
import type { Side } from './results';
import { seedAccounts, seedOrders } from './service';

export const ACCOUNT = 'local-account';
export const SECRET = 'local-secret';
export const EXACT: Selector = { type: 'drop', type_index: 0, fulfillment_attempt: 0 };

export interface Fakes {
  dynamodb: FakeDynamoDb;
  eventBridge: FakeEventBridge;
  xray: FakeXRayDaemon;
}

/** Everything the phases share: the bundles, the deployed profiles, the fast local endpoints and the orders. */
export interface BenchContext {
  root: string;
  workDir: string;
  options: BenchOptions;
  bundles: Bundles;
  deployed: DeployedFunction;
  profiles: Record<Exclude<Side, 'baseline'>, Profile>;
  fakes: Fakes;
  table: string;
  accountsTable: string;
  bundleOf(side: Side): Bundle;
  /** The process environment of a side's Lambda, its AWS calls going to `endpoints` (the fakes by default). */
  env(side: Side, endpoints?: Partial<LocalEndpoints>): NodeJS.ProcessEnv;
  newHandles(side: Side, count: number, tag: string): string[];
  /** Seeds one ongoing order per handle, in the fake DynamoDB unless another endpoint is given. */
  seed(handles: string[], points: number, endpoint?: string): Promise<void>;
  eventsFor(handles: string[], selector?: Selector): APIGatewayProxyEventV2[];
  logFile(name: string): string;
  stop(): Promise<void>;
}

export const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

const keySchemaOf = (root: string, file: string): KeySchemaElement[] =>
  (JSON.parse(readFileSync(join(root, 'infra', file), 'utf8')) as { KeySchema: KeySchemaElement[] }).KeySchema;

const startFakes = async (root: string, table: string, accountsTable: string): Promise<Fakes> => {
  const dynamodb = await new FakeDynamoDb().start();
  dynamodb.createTable(table, keySchemaOf(root, 'orders-table.json'));
  // The deployed credential store: the accounts table, holding the local accounts (the bench signs as local-account).
  dynamodb.createTable(accountsTable, keySchemaOf(root, 'accounts-table.json'));
  await seedAccounts(dynamodb.endpoint, accountsTable);
  return {
    dynamodb,
    eventBridge: await new FakeEventBridge().start(),
    xray: await new FakeXRayDaemon().start(),
  };
};

export const createContext = async (options: BenchOptions): Promise<BenchContext> => {
  const root = resolve(__dirname, '..');
  const workDir = resolve(root, options.workDir);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const runId = randomUUID().slice(0, 8);
  const deployed = deployedFunction(root);
  const [subject, alternate] = benchProfiles(deployed);
  const table = deployed.environment.ORDERS_TABLE_NAME ?? 'orders';
  const accountsTable = deployed.environment.ACCOUNTS_TABLE_NAME ?? 'accounts';
  log('building the subject and the baseline (serverless.yml esbuild options)');
  const bundles = await buildBundles(root, join(workDir, 'dist'));
  log(
    `starting the local fakes (DynamoDB with the orders and accounts tables, EventBridge, X-Ray daemon); stage ${deployed.stage}`,
  );
  const fakes = await startFakes(root, table, accountsTable);
  const bundleOf = (side: Side): Bundle => (side === 'baseline' ? bundles.baseline : bundles.subject);
  let counter = 0;
  return {
    root,
    workDir,
    options,
    bundles,
    deployed,
    profiles: { subject, alternate },
    fakes,
    table,
    accountsTable,
    bundleOf,
    env: (side, endpoints = {}) => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // The baseline reads the same variables (table, bus, credential store); it has no tracer to switch.
      ...(side === 'alternate' ? alternate.environment : subject.environment),
      ...lambdaRuntimeEnv(deployed, 'completeOrder', bundleOf(side).file, {
        dynamodb: fakes.dynamodb.endpoint,
        eventbridge: fakes.eventBridge.endpoint,
        xrayDaemon: fakes.xray.address,
        ...endpoints,
      }),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(process.env.BENCH_SAMPLE_EVERY_REQUEST === '1' ? { BENCH_SAMPLE_EVERY_REQUEST: '1' } : {}),
    }),
    newHandles: (side, count, tag) => Array.from({ length: count }, () => `bench-${runId}-${side}-${tag}-${counter++}`),
    seed: (handles, points, endpoint = fakes.dynamodb.endpoint) =>
      seedOrders(
        endpoint,
        table,
        handles.map((handle) => benchOrder(ACCOUNT, handle, points)),
      ),
    eventsFor: (handles, selector = EXACT) =>
      handles.map((handle) => apiEvent(ACCOUNT, SECRET, handle, selector, randomUUID())),
    logFile: (name) => join(workDir, 'logs', `${name}.log`),
    stop: async () => {
      await Promise.all([fakes.dynamodb.stop(), fakes.eventBridge.stop(), fakes.xray.stop()]);
    },
  };
};
