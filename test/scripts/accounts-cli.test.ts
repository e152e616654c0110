import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/local/fakes/free-port';
import { accountsCli, type CliRun } from '../support/accounts-cli';

/**
 * `npm run accounts` refusals that happen before any table is reached (no services: the endpoint is a closed port,
 * so reaching it would say "cannot reach"): an existing --out file, and a malformed import file, whose contents
 * (hashes) are never echoed (issue 22).
 */
const closedEndpoint = async () => `http://127.0.0.1:${await freePort()}`;
const lines = (run: CliRun) =>
  run.stderr
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('runtime-node:'))
    .map((line) => line.trim());

describe('accounts --out FILE', () => {
  test('an existing file is refused before anything is done: one line, exit 1, the file untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounts-out-'));
    try {
      const file = join(dir, 'acme.json');
      writeFileSync(file, 'keep me\n');
      for (const command of [['create', 'acme'], ['rotate', 'acme'], ['list']]) {
        const run = await accountsCli([...command, '--out', file], await closedEndpoint());
        expect({ command, code: run.code, stdout: run.stdout, stderr: lines(run) }).toEqual({
          command,
          code: 1,
          stdout: '',
          stderr: [`--out ${file} exists already; refusing to overwrite it (nothing done)`],
        });
        expect(readFileSync(file, 'utf8')).toBe('keep me\n');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('a command that fails leaves no file behind (the same command can run again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounts-out-'));
    try {
      const file = join(dir, 'acme.json');
      const run = await accountsCli(['create', 'acme', '--out', file], await closedEndpoint());
      expect(run.code).toBe(1);
      expect(lines(run)).toEqual([expect.stringMatching(/^cannot reach the accounts table /)]);
      expect(existsSync(file)).toBe(false);
      const usage = await accountsCli(['create', 'bad id!', '--out', file], await closedEndpoint());
      expect(usage.code).toBe(2);
      expect(existsSync(file)).toBe(false);
      expect(statSync(dir).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('accounts import FILE: a malformed file is refused without quoting it', () => {
  const HASH = 'a27e645a7d05ca1db19a1271121cf26f646eaed32b81c51e2d80b95d5d41b2ab';
  const SALT = '30ad5a483160181d0714cf8b5d6d7c6f';
  test.each([
    ['not JSON (a missing quote next to a hash)', `{"accounts":{"acme":{"salt":"${SALT}","secret_hash":${HASH}"}}}`],
    ['not JSON (truncated)', `{"accounts":{"acme":{"salt":"${SALT}","secret_hash":"${HASH}`],
    ['a hash one digit short', JSON.stringify({ accounts: { acme: { salt: SALT, secret_hash: HASH.slice(1) } } })],
    [
      'a hash where the account id goes',
      JSON.stringify({ accounts: { [`${HASH}!`]: { salt: SALT, secret_hash: HASH } } }),
    ],
    ['a secret in place of the salt', JSON.stringify({ accounts: { acme: { salt: `x${HASH}`, secret_hash: HASH } } })],
    ['the wrong shape', JSON.stringify({ acme: { salt: SALT, secret_hash: HASH } })],
  ])(
    '%s: one line naming the problem, no fragment of the file, exit 1',
    async (_label, content) => {
      const dir = mkdtempSync(join(tmpdir(), 'accounts-import-'));
      try {
        const file = join(dir, 'accounts.json');
        writeFileSync(file, content, { mode: 0o600 });
        const run = await accountsCli(['import', file], await closedEndpoint());
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        const [line, ...more] = lines(run);
        expect(more).toEqual([]);
        expect(line).toMatch(
          new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not an accounts document`),
        );
        // No 8 characters in a row of the hash or the salt (nor the secret-like salt) appear.
        const output = run.stdout + run.stderr;
        for (const value of [HASH, SALT]) {
          for (let at = 0; at + 8 <= value.length; at += 1) expect(output).not.toContain(value.slice(at, at + 8));
        }
        process.stdout.write(`${_label}: ${line}\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
