import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { AccountsTable } from '../../../adapters/credentials/accounts-table';
import { verifySecret } from '../../../domain/credentials';
import { ensureAccountsTable, LOCAL_ACCOUNTS_FILE } from '../../../scripts/local/accounts';
import { localClient } from '../../../scripts/local/dynamodb-local';
import { stageAccountsTableName } from '../../../scripts/local/settings';
import { root, runChild } from '../../support/accounts-cli';
import { endpoint } from '../support/dynamo';

/**
 * The commands of docs/operations.md "Accounts", read from the doc and run EXACTLY as written (one sh, in order,
 * from a fresh directory; npm and all), against DynamoDB Local standing in for stage prod (DYNAMODB_ENDPOINT):
 * what the doc tells an operator to parse parses, and the hand-over files are theirs alone (issue 22). The one
 * command that needs AWS (`aws secretsmanager get-secret-value ... > accounts.json`) is stood in for: this test
 * writes accounts.json itself.
 */
const REGION = 'us-east-1';
const name = stageAccountsTableName('prod'); // only ever on this test's own DynamoDB Local
const admin = localClient(endpoint(), REGION);
const client = createDocumentClient({ region: REGION, endpoint: endpoint() });
const dir = resolve(root, '.local', `operations-doc-${process.pid}`);

/** The doc's Accounts section: every ```sh block, continuation lines joined, one command a line. */
const documentedCommands = (): string[] => {
  const doc = readFileSync(resolve(root, 'docs', 'operations.md'), 'utf8');
  const start = doc.indexOf('\n## Accounts\n');
  const end = doc.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const section = doc.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  // A line ending in a backslash continues on the next (kept as written: sh joins them).
  return blocks.flatMap((block) => block.split(/(?<!\\)\n/).filter((line) => line.trim() !== ''));
};

beforeAll(async () => {
  await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  await ensureAccountsTable(admin, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});
afterAll(async () => {
  client.destroy();
  await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  admin.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/operations.md "Accounts": the documented commands, run as written', () => {
  test('create -> acme.json (JSON, mode 0600), rotate, list parsed, revoke, delete, import', async () => {
    const commands = documentedCommands();
    const standIn = commands.filter((command) => /\baws secretsmanager\b/.test(command));
    expect(standIn).toHaveLength(1); // what this test does itself:
    writeFileSync(resolve(dir, 'accounts.json'), readFileSync(LOCAL_ACCOUNTS_FILE), { mode: 0o600 });
    const run = commands.filter((command) => !standIn.includes(command));
    expect(run.filter((command) => command.includes('npm run')).every((c) => c.includes('npm run --silent'))).toBe(
      true,
    );

    // One sh, in order (a variable set by one command is used by the next); a marker after each command.
    const script = run.map((command, i) => `${command}\necho "@@end ${i} $?"`).join('\n');
    const result = await runChild('sh', ['-c', script], {
      cwd: dir,
      env: { ...process.env, DYNAMODB_ENDPOINT: endpoint(), AWS_REGION: REGION },
      timeoutMs: 240_000,
    });
    process.stdout.write(`${run.length} documented commands in ${result.ms} ms\n`);
    const outputs: { command: string; code: number; stdout: string }[] = [];
    let rest = result.stdout;
    run.forEach((command, i) => {
      const marker = new RegExp(`^@@end ${i} (\\d+)$`, 'm').exec(rest);
      if (marker === null) throw new Error(`no end marker for ${command}:\n${result.stdout}\n${result.stderr}`);
      outputs.push({ command, code: Number(marker[1]), stdout: rest.slice(0, marker.index) });
      rest = rest.slice(marker.index + marker[0].length + 1);
    });
    const context = `stderr:\n${result.stderr}`;
    for (const output of outputs) {
      expect({ command: output.command, code: output.code, context }).toEqual({
        command: output.command,
        code: 0,
        context,
      });
    }
    const stdoutOf = (pattern: RegExp) => outputs.find((output) => pattern.test(output.command))?.stdout ?? '';

    // Whatever `npm run --silent accounts` printed is JSON lines only (no npm banner).
    for (const output of outputs.filter((o) => o.command.startsWith('npm run --silent accounts'))) {
      for (const line of output.stdout.split('\n').filter((l) => l !== ''))
        expect((): unknown => JSON.parse(line)).not.toThrow();
    }

    // The hand-over files: JSON (require works), readable by the owner only; the secret is the one stored.
    for (const file of ['acme.json', 'acme-new.json']) {
      expect(existsSync(resolve(dir, file))).toBe(true);
      expect((statSync(resolve(dir, file)).mode & 0o777).toString(8)).toBe('600');
    }
    const created = JSON.parse(readFileSync(resolve(dir, 'acme.json'), 'utf8')) as {
      secret: string;
      secret_id: string;
    };
    const rotated = JSON.parse(readFileSync(resolve(dir, 'acme-new.json'), 'utf8')) as { secret_id: string };
    expect(stdoutOf(/^node -p "require\('\.\/acme\.json'\)\.secret"/)).toBe(`${created.secret}\n`);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // list's output parsed by the doc's own pipeline: revoke took the oldest secret (created's).
    const listed = JSON.parse(stdoutOf(/^npm run --silent accounts -- list acme/)) as {
      secrets: { secret_id: string }[];
    };
    expect(listed.secrets.map((secret) => secret.secret_id)).toEqual([created.secret_id, rotated.secret_id]);
    expect(JSON.parse(stdoutOf(/ revoke acme /))).toMatchObject({ revoked: created.secret_id });
    expect(JSON.parse(stdoutOf(/ delete acme /))).toEqual({ deleted: 'acme' });
    expect(JSON.parse(stdoutOf(/ import accounts\.json /))).toEqual({
      imported: ['local-account', 'other-account'],
      existing: [],
    });
    expect(existsSync(resolve(dir, 'accounts.json'))).toBe(false); // shred / rm
    const table = new AccountsTable(client, name);
    expect(await table.get('acme')).toBeUndefined();
    expect(verifySecret('local-secret', await table.get('local-account'), new Date())).toBe(true);
  }, 300_000);
});
