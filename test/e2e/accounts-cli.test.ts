import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../scripts/local/fakes/free-port';
import { basic, complete, dynamodbEndpoint, uniqueHandle } from './support/e2e';

/**
 * `npm run accounts` against the running local stack (its DynamoDB Local), and the API answering with what it made:
 * a new account's secret opens the API at once, a rotated pair both do, a revoked secret does not.
 */
const root = resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const accounts = (args: readonly string[], endpoint = dynamodbEndpoint()): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'accounts.ts'), ...args],
      { cwd: root, env: { ...process.env, DYNAMODB_ENDPOINT: endpoint }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`accounts ${args.join(' ')} did not finish in 30 s:\n${stdout}${stderr}`));
    }, 30_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });

interface Issued {
  account_id: string;
  secret_id: string;
  secret: string;
}
const issued = (run: Run): Issued => {
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const parsed = JSON.parse(lines[0] as string) as Issued;
  expect(Object.keys(parsed).sort()).toEqual(['account_id', 'secret', 'secret_id']);
  expect(parsed.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(run.stderr).not.toContain(parsed.secret);
  return parsed;
};

/** 404 (no such order) means the credentials were accepted; 401 that they were not. */
const statusWith = async (account: string, secret: string): Promise<number> =>
  (await complete(uniqueHandle('acct-cli'), { auth: basic(account, secret) })).status;

const newId = (label: string) => `e2e-${label}-${process.pid}-${Date.now().toString(36)}`;

describe('npm run accounts against the npm start stack', () => {
  test('create, rotate (both secrets work), list (no hashes), revoke, delete', async () => {
    const id = newId('acct');
    const first = issued(await accounts(['create', id]));
    expect(first.account_id).toBe(id);
    expect(await statusWith(id, first.secret)).toBe(404);
    expect(await statusWith(id, 'not-the-secret')).toBe(401);

    // The account is cached in the warm function now. Rotation has no 401 window: the old secret keeps working,
    // and the new one works at once (a refused secret re-reads the account, at most once a second).
    const second = issued(await accounts(['rotate', id]));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await statusWith(id, second.secret)).toBe(404);
    expect(await statusWith(id, first.secret)).toBe(404);

    const refused = await accounts(['rotate', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining('already has 2 active secrets')]);
    expect(refused.stdout).toBe('');

    const listed = await accounts(['list', id]);
    expect(listed.code).toBe(0);
    const shown = JSON.parse(listed.stdout) as { account_id: string; secrets: { secret_id: string }[] };
    expect(shown.account_id).toBe(id);
    expect(shown.secrets.map((s) => s.secret_id)).toEqual([first.secret_id, second.secret_id]);
    expect(listed.stdout).not.toMatch(/salt|secret_hash|"secret"/);

    const revoked = await accounts(['revoke', id, first.secret_id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).not.toContain(first.secret);

    const deleted = await accounts(['delete', id]);
    expect(deleted.code).toBe(0);
    const again = await accounts(['delete', id]);
    expect({ code: again.code, stderr: again.stderr.trim() }).toEqual({ code: 1, stderr: `no account ${id}` });
  }, 90_000);

  test('a freshly rotated account: old and new secret both open; after revoke the old one is refused', async () => {
    const id = newId('rot');
    const first = issued(await accounts(['create', id]));
    const second = issued(await accounts(['rotate', id]));
    expect(await statusWith(id, second.secret)).toBe(404);
    expect(await statusWith(id, first.secret)).toBe(404);

    const other = newId('rev');
    const old = issued(await accounts(['create', other]));
    const current = issued(await accounts(['rotate', other]));
    expect((await accounts(['revoke', other, old.secret_id])).code).toBe(0);
    // `other` was never looked up before, so no cached copy: the revocation shows at once.
    expect(await statusWith(other, old.secret)).toBe(401);
    expect(await statusWith(other, current.secret)).toBe(404);
  }, 90_000);

  test('import: the old accounts document, hashes kept (the local accounts), existing ones left alone', async () => {
    const dir = resolve(root, '.local', 'e2e', `accounts-cli-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = resolve(dir, 'accounts.json');
    const id = newId('imp');
    // local-secret's hash, under a new account id.
    writeFileSync(
      file,
      JSON.stringify({
        accounts: {
          [id]: {
            salt: '30ad5a483160181d0714cf8b5d6d7c6f',
            secret_hash: 'a27e645a7d05ca1db19a1271121cf26f646eaed32b81c51e2d80b95d5d41b2ab',
          },
          'local-account': {
            salt: '30ad5a483160181d0714cf8b5d6d7c6f',
            secret_hash: 'a27e645a7d05ca1db19a1271121cf26f646eaed32b81c51e2d80b95d5d41b2ab',
          },
        },
      }),
    );
    const run = await accounts(['import', file]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ imported: [id], existing: ['local-account'] });
    expect(await statusWith(id, 'local-secret')).toBe(404);
  }, 60_000);

  test('bad usage exits 2; an unknown account or an unreachable table: one clear line, exit 1', async () => {
    for (const args of [['create', 'bad id!'], ['create'], ['frobnicate', 'x'], ['revoke', 'x', 'not-a-secret-id']]) {
      const run = await accounts(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await accounts(['rotate', newId('nobody')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const closed = await accounts(['list', 'local-account'], `http://127.0.0.1:${await freePort()}`);
    expect(closed.code).toBe(1);
    expect(closed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^cannot reach the accounts table orders-complete-local-accounts at http:\/\/127\.0\.0\.1:\d+: is `npm start` running\?$/,
      ),
    ]);
  }, 90_000);
});
