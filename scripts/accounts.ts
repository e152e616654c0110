/**
 * `npm run accounts -- <command>`: the operators' tool for the accounts table (docs/operations.md "Accounts").
 * Against the running `npm start` stack by default; `--stage NAME` targets a deployed stage's table (AWS
 * credentials and region from the environment, DYNAMODB_ENDPOINT to point elsewhere).
 *
 * Secrets are printed only by create and rotate (one JSON line on stdout, or into a new file of mode 0600 with
 * `--out FILE`), never logged. Exit codes: 0 done, 1 refused, the table unreachable or the --out file existing
 * (one line on stderr says why), 2 bad usage.
 */
// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AccountsTable } from '../adapters/credentials/accounts-table';
import { AccountProblem, describeAccount } from '../domain/accounts';
import { SECRET_ID_PATTERN } from '../domain/credentials';
import {
  accountIdArg as accountId,
  connectTable,
  durationArg as duration,
  failureExitCode,
  parseCommandLine,
  UsageError,
} from './cli/table-cli';
import { readAccountsDocument } from './local/accounts';
import { stageAccountsTableName } from './local/settings';

// The SDK is pinned; its notice that releases after January 2027 need Node 22 is known (README): one line per error.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `usage: npm run --silent accounts -- <command> [--stage NAME] [--out FILE]
  create ID                          new account; prints {"account_id","secret_id","secret"} once
  rotate ID [--old-expires-in 7d]    adds a second secret (printed once); the old one works until revoked/expired
  revoke ID SECRET_ID                revokes one secret (callers using it get 401 within 60 s)
  delete ID                          removes the account
  list [ID]                          account ids, secret ids, created/expiry times (never hashes)
  import FILE                        imports the old accounts document {"accounts":{ID:{salt,secret_hash}}}
--out FILE: the output goes into FILE, created with mode 0600; refused if FILE exists (before anything is changed)
account ids: 1-64 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit)`;

interface Target {
  table: AccountsTable;
  tableName: string;
  where: string;
  hint: string;
  close(): void;
}

const targetFor = (stage: string | undefined): Target => {
  const connection = connectTable(stage, {
    local: (settings) => settings.accountsTableName,
    stage: stageAccountsTableName,
  });
  return { ...connection, table: new AccountsTable(connection.client, connection.tableName) };
};

/** Where a command's JSON lines go: stdout, or the --out file. */
type Out = (value: unknown) => void;

/**
 * A path as the operator typed it: `npm run` runs scripts in the package root, so a relative path is taken from
 * the directory npm was started in (INIT_CWD), as the shell's own `> FILE` and `node -p "require('./FILE')"` are.
 */
const userPath = (file: string): string =>
  isAbsolute(file)
    ? file
    : resolve(
        process.env.npm_lifecycle_event === 'accounts' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(),
        file,
      );

/** The --out file: created now (mode 0600, never an existing file), filled when the command succeeds. */
class OutFile {
  private readonly fd: number;
  private written = false;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AccountProblem(
        'output_exists',
        code === 'EEXIST'
          ? `--out ${path} exists already; refusing to overwrite it (nothing done)`
          : `--out ${path} cannot be created (${code ?? 'error'}); nothing done`,
      );
    }
  }

  readonly write: Out = (value) => {
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
    this.written = true;
  };

  /** Flushed and closed; an empty file left by a failed command is removed, so the same command can run again. */
  close(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    if (!this.written) unlinkSync(this.path);
  }
}

const isProblem = (error: unknown): error is AccountProblem => error instanceof AccountProblem;

const stdoutWriter: Out = (value) => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

const run = async (
  table: AccountsTable,
  command: string,
  args: string[],
  out: Out,
  oldExpiresIn?: string,
): Promise<void> => {
  const arity = { create: 1, rotate: 1, revoke: 2, delete: 1, import: 1 }[command];
  if (arity !== undefined && args.length !== arity) throw new UsageError(`${command} takes ${arity} argument(s)`);
  switch (command) {
    case 'create':
      return out(await table.create(accountId(args[0])));
    case 'rotate': {
      const id = accountId(args[0]);
      const expiry = oldExpiresIn === undefined ? undefined : new Date(Date.now() + duration(oldExpiresIn));
      return out(await table.rotate(id, expiry));
    }
    case 'revoke': {
      const id = accountId(args[0]);
      const secretId = args[1] as string;
      if (!SECRET_ID_PATTERN.test(secretId)) throw new UsageError(`bad secret id ${JSON.stringify(secretId)}`);
      const account = await table.revoke(id, secretId);
      return out({ revoked: secretId, ...describeAccount(account, new Date()) });
    }
    case 'delete':
      await table.delete(accountId(args[0]));
      return out({ deleted: args[0] });
    case 'list':
      return list(table, args, out);
    case 'import': {
      const document = readDocument(args[0] as string);
      return out(await table.importDocument(document));
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
};

const list = async (table: AccountsTable, args: string[], out: Out): Promise<void> => {
  if (args.length > 1) throw new UsageError('list takes at most one account id');
  const now = new Date();
  if (args[0] !== undefined) {
    const account = await table.get(accountId(args[0]));
    if (account === undefined) throw new AccountProblem('unknown_account', `no account ${args[0]}`);
    return out(describeAccount(account, now));
  }
  for await (const account of table.list()) out(describeAccount(account, now));
};

const readDocument = (file: string) => {
  try {
    return readAccountsDocument(userPath(file));
  } catch (error) {
    throw new AccountProblem(
      'bad_document',
      `${file} is not an accounts document ({"accounts":{ID:{"salt","secret_hash"}}}): ${whyNotADocument(error)}`,
    );
  }
};

/**
 * Why the file was refused, in words that never quote it: the file holds hashes (and, if a secret was pasted by
 * mistake, secrets), and JSON.parse's and zod's own messages can quote fragments of it. Positions and field names
 * only; account ids are shown by their position, as a key may be a pasted hash too.
 */
const whyNotADocument = (error: unknown): string => {
  if (error instanceof SyntaxError) {
    const at = /line (\d+) column (\d+)/.exec(error.message) ?? /position (\d+)/.exec(error.message);
    const where =
      at === null ? '' : at[2] === undefined ? ` at character ${at[1]}` : ` at line ${at[1]} column ${at[2]}`;
    return `not valid JSON${where}`;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `cannot read it (${code})`;
  const issues = (error as { issues?: { path: PropertyKey[]; code: string }[] } | undefined)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const first = issues[0] as { path: PropertyKey[]; code: string };
    const [root, , ...rest] = first.path;
    const where = root === 'accounts' && first.path.length > 1 ? ['accounts', '<an entry>', ...rest] : first.path;
    const field = where.map(String).join('.') || 'the document';
    const what = { invalid_format: 'has the wrong format', invalid_type: 'is missing or of the wrong type' }[
      first.code
    ];
    return `${field} ${what ?? `is invalid (${first.code})`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`;
  }
  return 'unreadable';
};

const main = async (): Promise<number> => {
  const line = parseCommandLine('accounts', USAGE, {
    'old-expires-in': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  });
  if ('exitCode' in line) return line.exitCode;
  const { values, command, args } = line;
  if (values.out === '') {
    console.error('--out needs a file name (npm run accounts -- --help)');
    return 2;
  }
  let outFile: OutFile | undefined;
  try {
    outFile = values.out === undefined ? undefined : new OutFile(userPath(values.out));
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const target = targetFor(values.stage);
  try {
    await run(target.table, command, args, outFile?.write ?? stdoutWriter, values['old-expires-in']);
    return 0;
  } catch (error) {
    return failureExitCode('accounts', command, error, target, isProblem);
  } finally {
    target.close();
    outFile?.close();
  }
};

void main().then((code) => process.exit(code));
