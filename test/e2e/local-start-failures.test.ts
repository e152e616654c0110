import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../scripts/local/fakes/free-port';

/** `npm start` when the machine is not ready: one clear line and a non-zero exit, never a stack trace. */
const root = resolve(__dirname, '..', '..');

const runStart = (env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> =>
  new Promise((done) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'local', 'start.ts')],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });

const stackEnv = async (extra: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> => ({
  ...process.env,
  LOCAL_DIR: mkdtempSync(join(tmpdir(), 'orders-start-')),
  HTTP_PORT: String(await freePort()),
  LAMBDA_PORT: String(await freePort()),
  DYNAMODB_PORT: String(await freePort()),
  EVENTBRIDGE_PORT: String(await freePort()),
  EVENTBRIDGE_PUBSUB_PORT: String(await freePort()),
  DYNAMODB_ENDPOINT: '',
  EVENTBRIDGE_ENDPOINT: '',
  ...extra,
});

const expectOneClearLine = (output: string, pattern: RegExp) => {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/\n\s+at /); // no stack frames
};

describe('npm start preflight', () => {
  test('a port in use: one line naming the port and the variable that moves it', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
    try {
      const result = await runStart(await stackEnv({ HTTP_PORT: String(port) }));
      expect(result.code).toBe(1);
      expectOneClearLine(result.output, new RegExp(`Port ${port} \\(HTTP API\\) is already in use.*HTTP_PORT=`));
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });

  test('Java missing: one line saying to install Java 17+', async () => {
    // A PATH holding node and nothing else, so `java` cannot be found.
    const bin = mkdtempSync(join(tmpdir(), 'orders-nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const result = await runStart(await stackEnv({ PATH: bin }));
    expect(result.code).toBe(1);
    expectOneClearLine(result.output, /Java 17 or newer is needed for DynamoDB Local.*install/);
  });
});
