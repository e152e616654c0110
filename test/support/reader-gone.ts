import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

export interface ReaderGoneResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `tsx scripts/<script>` with its stdout on a pipe whose reader is closed before the command has started (it
 * takes tsx far longer to load than this takes), so its first write to stdout fails with EPIPE, as under `| head`
 * once head has its lines. stderr is kept, to see what the command said about it.
 */
export const runWithReaderGone = (
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<ReaderGoneResult> =>
  new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', script), ...args],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new Error(`${script} ${args.join(' ')} still running ${timeoutMs} ms after its reader went away:\n${stderr}`),
      );
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr });
    });
  });
