import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../scripts/local/fakes/free-port';

/**
 * End-to-end tests run the real `npm start` stack (scripts/local/start.ts) on free ports with its own
 * state folder (.local/e2e), so they never collide with a developer's running stack, and talk HTTP to it.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const root = resolve(__dirname, '..', '..');
  const localDir = resolve(root, '.local', 'e2e');
  rmSync(localDir, { recursive: true, force: true });
  const ports = {
    HTTP_PORT: await freePort(),
    LAMBDA_PORT: await freePort(),
    DYNAMODB_PORT: await freePort(),
    EVENTBRIDGE_PORT: await freePort(),
    EVENTBRIDGE_PUBSUB_PORT: await freePort(),
  };
  // INFO: the function's logs of every request (successes included) reach the stack log, where tests look for leaks.
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_DIR: localDir, LOG_LEVEL: 'INFO' };
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);
  // Other projects' global setups (integration) set these for their own tests; the stack must not inherit them.
  for (const name of ['DYNAMODB_ENDPOINT', 'EVENTBRIDGE_ENDPOINT', 'ORDERS_TABLE_NAME', 'EVENTS_FILE'])
    delete env[name];

  const child = spawn(
    process.execPath,
    [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'local', 'start.ts')],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Everything the stack prints (serverless offline and the function's logs) is kept for the tests to read.
  mkdirSync(localDir, { recursive: true });
  const stackLog = resolve(localDir, 'stack.log');
  const logFile = createWriteStream(stackLog);
  child.stdout?.pipe(logFile, { end: false });
  child.stderr?.pipe(logFile, { end: false });
  let output = '';
  const started = Date.now();
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`local stack not ready after 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('orders-complete is ready at')) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`local stack exited (${code}) before it was ready:\n${output}`));
    });
  });

  process.env.E2E_BASE_URL = `http://127.0.0.1:${ports.HTTP_PORT}`;
  process.env.E2E_EVENTS_FILE = resolve(localDir, 'events.jsonl');
  process.env.E2E_DYNAMODB_ENDPOINT = `http://127.0.0.1:${ports.DYNAMODB_PORT}`;
  process.env.E2E_EVENTBRIDGE_ENDPOINT = `http://127.0.0.1:${ports.EVENTBRIDGE_PORT}`;
  process.env.E2E_TABLE_NAME = 'orders-complete-local-orders';
  process.env.E2E_STACK_LOG = stackLog;
  process.env.E2E_STARTUP_MS = String(Date.now() - started);
  (globalThis as { __localStack__?: ChildProcess }).__localStack__ = child;
  (globalThis as { __dynamodbPid__?: number }).__dynamodbPid__ = Number(
    readFileSync(resolve(localDir, 'dynamodb.pid'), 'utf8'),
  );
}
