import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `npm run events` (scripts/events.ts): waits for the file, prints whole lines as they arrive, follows truncation. */
const root = resolve(__dirname, '..', '..');

const startTail = (eventsFile: string, args: string[] = []) => {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(root, 'scripts', 'events.ts'), ...args], {
    env: { ...process.env, EVENTS_FILE: eventsFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const waitFor = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !check(); i++) await sleep(100);
    if (!check()) throw new Error(`timed out waiting for ${what}; stdout: ${out}; stderr: ${err}`);
  };
  return { child, out: () => out, err: () => err, waitFor };
};

describe('npm run events', () => {
  test('waits for the file, then prints each complete line once, in order, and follows a truncated file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    const file = join(dir, 'events.jsonl');
    const tail = startTail(file);
    try {
      await tail.waitFor(() => tail.err().includes('waiting for'), 'the waiting notice');
      appendFileSync(file, '{"n":1}\n');
      await tail.waitFor(() => tail.out() === '{"n":1}\n', 'the first line');
      appendFileSync(file, '{"n":');
      await sleep(600);
      expect(tail.out()).toBe('{"n":1}\n'); // half a line is held back
      appendFileSync(file, '2}\n{"n":3}\n');
      await tail.waitFor(() => tail.out() === '{"n":1}\n{"n":2}\n{"n":3}\n', 'lines 2 and 3');
      writeFileSync(file, '{"n":"new"}\n'); // a new npm start truncates the file
      await tail.waitFor(() => tail.out().endsWith('{"n":3}\n{"n":"new"}\n'), 'the line after truncation');
    } finally {
      tail.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starts at the end of an existing file unless --all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, '{"old":true}\n');
    const tail = startTail(file);
    const all = startTail(file, ['--all']);
    try {
      await tail.waitFor(() => tail.err().includes('following'), 'the following notice');
      await all.waitFor(() => all.out() === '{"old":true}\n', '--all printing the old line');
      appendFileSync(file, '{"new":true}\n');
      await tail.waitFor(() => tail.out() === '{"new":true}\n', 'only the new line');
    } finally {
      tail.child.kill();
      all.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
