import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../../scripts/local/fakes/free-port';

/**
 * The real `npm start` stack (scripts/local/start.ts) on free ports with its own state folder, as the e2e tests run
 * it: global-setup starts the shared one, a test may start a second one (e.g. in front of a fault-injecting proxy).
 */
export interface LocalStack {
  child: ChildProcess;
  baseUrl: string;
  ports: Record<
    | 'HTTP_PORT'
    | 'LAMBDA_PORT'
    | 'DYNAMODB_PORT'
    | 'EVENTBRIDGE_PORT'
    | 'EVENTBRIDGE_PUBSUB_PORT'
    | 'WEBHOOK_RECEIVER_PORT',
    number
  >;
  /** Everything the stack printed (serverless offline and the function's own log lines). */
  logFile: string;
  startupMs: number;
}

const root = resolve(__dirname, '..', '..', '..');

export const startLocalStack = async (localDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<LocalStack> => {
  rmSync(localDir, { recursive: true, force: true });
  const ports = {
    HTTP_PORT: await freePort(),
    LAMBDA_PORT: await freePort(),
    DYNAMODB_PORT: await freePort(),
    EVENTBRIDGE_PORT: await freePort(),
    EVENTBRIDGE_PUBSUB_PORT: await freePort(),
    WEBHOOK_RECEIVER_PORT: await freePort(),
  };
  // INFO: the function's logs of every request (successes included) reach the stack log, where tests look for leaks.
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_DIR: localDir, LOG_LEVEL: 'INFO' };
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);
  // Other projects' global setups (integration) set these for their own tests; the stack must not inherit them.
  for (const name of ['DYNAMODB_ENDPOINT', 'EVENTBRIDGE_ENDPOINT', 'ORDERS_TABLE_NAME', 'EVENTS_FILE'])
    delete env[name];
  Object.assign(env, extraEnv);

  const child = spawn(
    process.execPath,
    [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'local', 'start.ts')],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  mkdirSync(localDir, { recursive: true });
  const logFile = resolve(localDir, 'stack.log');
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
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
  return { child, baseUrl: `http://127.0.0.1:${ports.HTTP_PORT}`, ports, logFile, startupMs: Date.now() - started };
};

/**
 * Stops a stack the way a developer does (Ctrl-C = SIGINT). False unless it exited by itself within 15 s (start.ts
 * handles SIGINT and exits; a process that had to be killed, by that signal or by the SIGKILL after, did not).
 */
export const stopLocalStack = async (child: ChildProcess): Promise<boolean> => {
  if (child.exitCode !== null) return true;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT');
  // The timer is cleared once the stack exits: a pending 15 s timer would keep jest from exiting.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((done) => (timer = setTimeout(done, 15_000)))]);
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (child.exitCode !== null) return true;
  child.kill('SIGKILL');
  return false;
};
