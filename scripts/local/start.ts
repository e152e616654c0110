/**
 * `npm start`: the whole service on this machine, no docker, no cloud.
 *   DynamoDB Local (Java 17+), orders table created, sample orders seeded
 *   serverless offline: the HTTP API at http://localhost:3000 and the local EventBridge (port 4010)
 *   the local OrderCompleted subscriber appending to .local/events.jsonl
 * Ctrl-C stops every child process, and so does SIGTERM or SIGINT sent to this process alone (a process manager, an
 * IDE, `kill` of the npm process: npm passes the signal on, scripts/runtime-node.sh execs this node): serverless
 * offline runs in a process group of its own (with its esbuild), stopped as a whole, then DynamoDB Local's java
 * (a group of its own too, so a Ctrl-C in the terminal reaches only this process, which stops both in order).
 * `npm start` runs this file in one node (`node --import tsx`), not under the tsx command, whose signal relay kills
 * a child that does not answer within 30 ms: on a loaded machine that left the stack's children running.
 * Ports and paths: scripts/local/settings.ts. RELAY_SCHEDULE=off: no scheduled relay (the e2e stack's tests own it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ensureOrdersTable,
  localClient,
  pidFileIn,
  startDynamoDbLocal,
  stopByPidFile,
  type RunningDynamoDb,
} from './dynamodb-local';
import { seedLocalAccounts } from './accounts';
import { assertPortsFree } from './ports';
import { seedOrdersFromFile } from './seed-orders';
import { ensureLocalEndpoint, ensureWebhooksTable, startWebhookReceiver } from './webhooks';
import { localSettings } from './settings';
import { UserFacingError } from './user-facing-error';

// The SDK is pinned; its notice that releases after January 2027 need Node 22 is known (README) and only noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const projectRoot = resolve(__dirname, '..', '..');

const reachable = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

const httpAnswers = async (url: string): Promise<boolean> => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
};

type Settings = ReturnType<typeof localSettings>;

/** The ports the stack listens on, checked free before anything starts. */
const portsOf = (settings: Settings) => [
  { port: settings.httpPort, what: 'HTTP API', variable: 'HTTP_PORT' },
  { port: settings.lambdaPort, what: 'serverless offline Lambda API', variable: 'LAMBDA_PORT' },
  { port: settings.eventbridgePort, what: 'local EventBridge', variable: 'EVENTBRIDGE_PORT' },
  { port: settings.eventbridgePubSubPort, what: 'local EventBridge pub/sub', variable: 'EVENTBRIDGE_PUBSUB_PORT' },
  { port: settings.webhookReceiverPort, what: 'local webhook receiver', variable: 'WEBHOOK_RECEIVER_PORT' },
  ...(settings.startOwnDynamoDb
    ? [{ port: settings.dynamodbPort, what: 'DynamoDB Local', variable: 'DYNAMODB_PORT' }]
    : []),
];

/** DynamoDB Local, unless another is configured. */
const startDynamoDb = async (settings: Settings): Promise<RunningDynamoDb | undefined> =>
  settings.startOwnDynamoDb
    ? startDynamoDbLocal({
        port: settings.dynamodbPort,
        dataDir: settings.dynamodbDataDir,
        region: settings.region,
        pidFile: pidFileIn(settings.localDir),
      })
    : undefined;

/** The orders table and the sample orders. */
const prepareTable = async (settings: Settings): Promise<void> => {
  const client = localClient(settings.dynamodbEndpoint, settings.region);
  await ensureOrdersTable(client, settings.tableName);
  await seedLocalAccounts(client, settings.accountsTableName);
  const sampleFile = join(projectRoot, 'seed', 'sample-orders.json');
  const seeded = await seedOrdersFromFile(client, settings.tableName, sampleFile);
  if (seeded.problems.length > 0) throw new Error(`sample orders invalid: ${seeded.problems.join('; ')}`);
  client.destroy();
};

/** The local receiver's URL, registered as local-account's endpoint (README "Webhooks"). */
const receiverUrl = (settings: Settings): string => `http://localhost:${settings.webhookReceiverPort}/webhooks`;

/** The webhooks table, local-account's endpoint for the local receiver, and the receiver itself. */
const prepareWebhooks = async (settings: Settings) => {
  const client = localClient(settings.dynamodbEndpoint, settings.region);
  await ensureWebhooksTable(client, settings.webhooksTableName);
  const url = receiverUrl(settings);
  const endpointId = await ensureLocalEndpoint(client, settings.webhooksTableName, url);
  const server = await startWebhookReceiver({
    client,
    tableName: settings.webhooksTableName,
    port: settings.webhookReceiverPort,
    url,
    file: settings.webhooksFile,
  });
  return { endpointId, url, close: () => (server.close(), client.destroy()) };
};

/** serverless offline in its own process group, its output passed through. */
const startOffline = (settings: Settings): ChildProcess => {
  const serverlessBin = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  const args = [serverlessBin, 'offline', 'start', '--stage', 'local'];
  // serverless.yml's param; its schedule event is `enabled: ${strToBool(${param:relayScheduleEnabled})}`.
  args.push(`--param=relayScheduleEnabled=${settings.relaySchedule}`);
  const offline = spawn(process.execPath, args, {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HTTP_PORT: String(settings.httpPort),
      LAMBDA_PORT: String(settings.lambdaPort),
      EVENTBRIDGE_PORT: String(settings.eventbridgePort),
      EVENTBRIDGE_PUBSUB_PORT: String(settings.eventbridgePubSubPort),
      DYNAMODB_ENDPOINT: settings.dynamodbEndpoint,
      EVENTBRIDGE_ENDPOINT: settings.eventbridgeEndpoint,
      EVENTS_FILE: settings.eventsFile,
      WEBHOOK_DEAD_LETTERS_FILE: settings.webhookDeadLettersFile,
      ESBUILD_WORK_FOLDER: relative(projectRoot, settings.esbuildDir),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  offline.stdout?.pipe(process.stdout);
  offline.stderr?.pipe(process.stderr);
  return offline;
};

/** SIGTERM to the whole group (serverless and its esbuild service), SIGKILL after 5 s. */
const stopOffline = async (offline: ChildProcess | undefined): Promise<void> => {
  if (offline?.pid === undefined || offline.exitCode !== null) return;
  const pid = offline.pid;
  const exited = new Promise((r) => offline.once('exit', r));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  await Promise.race([exited, sleep(5_000)]);
  signal('SIGKILL');
};

const waitForOffline = async (settings: Settings): Promise<void> => {
  const deadline = Date.now() + 90_000;
  while (
    !(await httpAnswers(`http://127.0.0.1:${settings.httpPort}/`)) ||
    !(await reachable(settings.eventbridgePort))
  ) {
    if (Date.now() > deadline) throw new Error('serverless offline did not start within 90 s (its output is above)');
    await sleep(200);
  }
};

const printReady = (settings: Settings, webhook: { endpointId: string; url: string }): void => {
  const base = `http://localhost:${settings.httpPort}`;
  console.log(
    [
      '',
      `orders-complete is ready at ${base}`,
      `  complete the sample order:  curl -s -X POST -u local-account:local-secret -H 'content-type: application/json' -d '{}' ${base}/orders/order-1/complete`,
      `  OrderCompleted events:      ${relative(process.cwd(), settings.eventsFile) || settings.eventsFile}`,
      `  signed webhooks:            ${webhook.url} (local-account, ${webhook.endpointId}) -> ${relative(process.cwd(), settings.webhooksFile) || settings.webhooksFile} (npm run webhooks -- tail)`,
      `  DynamoDB Local:             ${settings.dynamodbEndpoint} (table ${settings.tableName})`,
      ...(settings.relaySchedule
        ? []
        : ['  relay schedule:             off (RELAY_SCHEDULE=off): pending events wait for `npm run relay`']),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
};

const main = async (): Promise<void> => {
  let settings: Settings;
  try {
    settings = localSettings();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error)); // e.g. HTTP_PORT=abc
    process.exit(1);
  }
  mkdirSync(settings.localDir, { recursive: true });

  let dynamodb: RunningDynamoDb | undefined;
  let offline: ChildProcess | undefined;
  let webhooks: Awaited<ReturnType<typeof prepareWebhooks>> | undefined;
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    await stopOffline(offline);
    webhooks?.close();
    if (dynamodb !== undefined) await dynamodb.stop();
    // Told to stop while DynamoDB Local was still starting: its java is known only by its pid file.
    else if (settings.startOwnDynamoDb) stopByPidFile(pidFileIn(settings.localDir), 'SIGKILL');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGHUP', () => void stopAll(0));

  try {
    await assertPortsFree(portsOf(settings));
    dynamodb = await startDynamoDb(settings);
    await prepareTable(settings);
    if (stopping) return; // told to stop meanwhile: start nothing more
    webhooks = await prepareWebhooks(settings);
    if (stopping) return webhooks.close();
    offline = startOffline(settings);
    offline.once('exit', (code) => {
      if (stopping) return;
      console.error(`serverless offline exited (code ${code}); stopping the local stack.`);
      void stopAll(1);
    });
    await waitForOffline(settings);
    printReady(settings, webhooks);
  } catch (error) {
    if (error instanceof UserFacingError) console.error(error.message);
    else console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
  }
};

void main();
