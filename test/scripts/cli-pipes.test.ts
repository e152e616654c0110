import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runWithReaderGone } from '../support/reader-gone';

/**
 * The CLIs in a pipe whose reader goes away (`| head -3`): they exit with status 0 and say nothing, instead of an
 * EPIPE stack trace (scripts/cli/quiet-pipe.ts, imported first by each). The CLIs that need DynamoDB (relay, seed,
 * accounts) are tested the same way against the e2e stack: test/e2e/cli-pipes.test.ts.
 */
const root = resolve(__dirname, '..', '..');

describe('a CLI whose reader goes away exits quietly with status 0', () => {
  test.each([
    ['capacity (text)', ['--rps', '1000,2000,5000']],
    ['capacity (--json)', ['--rps', '1000', '--json']],
    ['capacity (--markdown)', ['--rps', '1000,2000', '--markdown']],
  ])(
    '%s',
    async (_name, args) => {
      const result = await runWithReaderGone('capacity.ts', args);
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    },
    60_000,
  );

  test('events --all, which would otherwise follow the file for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-pipe-'));
    try {
      const file = join(dir, 'events.jsonl');
      writeFileSync(file, Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ id: String(i) })}\n`).join(''));
      const result = await runWithReaderGone('events.ts', ['--all'], { EVENTS_FILE: file });
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('webhooks tail --all (issue 21), which would otherwise follow .local/webhooks.jsonl for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhooks-pipe-'));
    try {
      writeFileSync(
        join(dir, 'webhooks.jsonl'),
        Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ webhook_id: String(i) })}\n`).join(''),
      );
      const result = await runWithReaderGone('webhooks.ts', ['tail', '--all'], { LOCAL_DIR: dir });
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('a failure the command had already decided keeps its status (capacity with a bad --rps: 2)', async () => {
    // Its usage goes to stderr, which is still read: the status is the command's own, not the pipe's.
    const result = await runWithReaderGone('capacity.ts', ['--rps', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad --rps "many"');
  }, 60_000);

  test('as the issue ran it: npm run capacity -- --rps 1000 | head -3', () => {
    // sh has no pipefail everywhere: the command's own status is written to stderr from inside the pipe.
    const result = spawnSync(
      'sh',
      ['-c', '{ npm run -s capacity -- --rps 1000,2000,5000,10000; echo "capacity status $?" >&2; } | head -3'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.stdout.match(/\n/g)).toHaveLength(3); // head's three lines, the second one blank
    expect(result.stdout).toMatch(/^figures: bench\/results\.json/);
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(result.stderr).toContain('capacity status 0');
    expect(result.status).toBe(0);
  }, 60_000);
});
