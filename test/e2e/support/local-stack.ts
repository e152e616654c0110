import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

/**
 * How the stack is started: `node` runs scripts/local/start.ts in one node, as `npm start` does after its launcher
 * (`node --import tsx`); `npm` runs the real `npm start` (npm, then that node), for the tests of what a process
 * manager does to the npm process.
 */
export type StartVia = 'node' | 'npm';

export const startLocalStack = async (
  localDir: string,
  extraEnv: NodeJS.ProcessEnv = {},
  via: StartVia = 'node',
): Promise<LocalStack> => {
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
  // The tests own the relay (`npm run relay`): no scheduled pass races them. test/e2e/scheduled-relay.test.ts turns
  // the schedule on in a stack of its own.
  env.RELAY_SCHEDULE = 'off';
  Object.assign(env, extraEnv);

  const child =
    via === 'npm'
      ? spawn('npm', ['start', '--silent'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', resolve(root, 'scripts', 'local', 'start.ts')], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
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

/** Every process below `pid` (children, their children, ...), from `ps`: Linux and macOS. */
export const descendantsOf = (pid: number): number[] => {
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of listing.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined || Number.isNaN(child) || Number.isNaN(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
};

/** Those of `pids` still running (a zombie waiting to be reaped does not count: it holds nothing). */
export const stillRunning = (pids: readonly number[]): number[] => {
  if (pids.length === 0) return [];
  const listing = spawnSync('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid !== undefined && pid !== '' && !(stat ?? '').startsWith('Z'))
    .map(([pid]) => Number(pid));
};
