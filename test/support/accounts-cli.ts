import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** `npm run accounts` as a child process (tsx, as the npm script runs it), against a DynamoDB endpoint. */
export const root = resolve(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a child to completion (killed after `timeoutMs`), collecting its output. */
export const runChild = (
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliRun> =>
  new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });

/** scripts/accounts.ts with `args`, DYNAMODB_ENDPOINT = `endpoint` (with `--stage NAME`: that stage's table there). */
export const accountsCli = (args: readonly string[], endpoint: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  runChild(
    process.execPath,
    [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'accounts.ts'), ...args],
    { env: { ...process.env, AWS_REGION: 'us-east-1', ...env, DYNAMODB_ENDPOINT: endpoint } },
  );
