import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { createDocumentClient } from '../../adapters/aws-clients';
import { DependencyUnavailable } from '../../domain/errors';
import { ACCOUNT_ID_PATTERN } from '../../domain/order-fields';
import { localSettings, type LocalSettings } from '../local/settings';

/**
 * What the operators' table tools (`npm run accounts`, `npm run webhooks`) share: the command line, the table they
 * work on (the running `npm start` stack, or a deployed stage's with `--stage NAME`), argument checks, and how a
 * failure becomes one line on stderr and an exit code (0 done, 1 refused or unreachable, 2 bad usage).
 */

/** Bad usage: exit 2, with a pointer to --help. */
export class UsageError extends Error {}

export const accountIdArg = (value: string | undefined): string => {
  if (value === undefined || !ACCOUNT_ID_PATTERN.test(value)) {
    throw new UsageError(`bad account id ${JSON.stringify(value ?? '')}: 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  return value;
};

/** `--old-expires-in`: 30m, 12h, 7d, in milliseconds. */
export const durationArg = (value: string): number => {
  const match = /^(\d{1,6})(m|h|d)$/.exec(value);
  if (match === null) throw new UsageError(`bad --old-expires-in ${JSON.stringify(value)}: e.g. 30m, 12h, 7d`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
};

/** The parsed options: a string or a boolean each, as declared; `stage` is every tool's. */
export type OptionValues<Options extends ParseArgsOptionsConfig> = {
  [Name in keyof Options]?: Options[Name]['type'] extends 'boolean' ? boolean : string;
} & { stage?: string };

/** The command line of `npm run <tool>`, or the exit code when it cannot run (help, bad usage, a bad --stage). */
export const parseCommandLine = <Options extends ParseArgsOptionsConfig>(
  tool: string,
  usage: string,
  options: Options,
): { values: OptionValues<Options>; command: string; args: string[] } | { exitCode: number } => {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { ...options, stage: { type: 'string' } } });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)} (npm run ${tool} -- --help)`);
    return { exitCode: 2 };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [command, ...args] = parsed.positionals;
  if (values.help === true || command === undefined) {
    console.error(usage);
    return { exitCode: values.help === true ? 0 : 2 };
  }
  const stage = values.stage;
  if (typeof stage === 'string' && !/^[A-Za-z0-9-]{1,64}$/.test(stage)) {
    console.error(`bad --stage ${JSON.stringify(stage)}: letters, digits and - (npm run ${tool} -- --help)`);
    return { exitCode: 2 };
  }
  return { values: values as OptionValues<Options>, command, args };
};

/** The DynamoDB table a tool works on, and how to say where it is when it cannot be reached. */
export interface TableConnection {
  client: ReturnType<typeof createDocumentClient>;
  tableName: string;
  region: string;
  settings: LocalSettings;
  /** The endpoint, or "AWS <region>". */
  where: string;
  /** What to check when the table cannot be reached. */
  hint: string;
  close(): void;
}

/**
 * The local stack's table (its DynamoDB Local), or a deployed stage's: region from AWS_REGION or AWS_DEFAULT_REGION,
 * DYNAMODB_ENDPOINT to point elsewhere.
 */
export const connectTable = (
  stage: string | undefined,
  tableName: { local: (settings: LocalSettings) => string; stage: (stage: string) => string },
): TableConnection => {
  const settings = localSettings();
  const region =
    stage === undefined
      ? settings.region
      : (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? settings.region);
  const endpoint = stage === undefined ? settings.dynamodbEndpoint : process.env.DYNAMODB_ENDPOINT || undefined;
  const client = createDocumentClient({ region, endpoint });
  return {
    client,
    tableName: stage === undefined ? tableName.local(settings) : tableName.stage(stage),
    region,
    settings,
    where: endpoint ?? `AWS ${region}`,
    hint:
      stage === undefined
        ? 'is `npm start` running?'
        : `is stage ${stage} deployed there, and are your AWS credentials for that account?`,
    close: () => client.destroy(),
  };
};

/** The table (or AWS) could not be reached or refused the caller: not the command's fault. */
const unreachable = (error: unknown): boolean =>
  error instanceof DependencyUnavailable ||
  /ResourceNotFound|CredentialsProviderError|UnrecognizedClient|AccessDenied|ECONNREFUSED|TimeoutError/.test(
    `${error instanceof Error ? error.name : ''} ${String(error)}`,
  );

/**
 * A failed command's line on stderr and exit code: bad usage 2; a refusal the tool explains (`isProblem`: its
 * message is the whole story) 1; the table unreachable 1, with where it looked and what to check; anything else 1.
 */
export const failureExitCode = (
  tool: string,
  command: string,
  error: unknown,
  connection: Pick<TableConnection, 'tableName' | 'where' | 'hint'>,
  isProblem: (error: unknown) => error is Error,
): number => {
  if (error instanceof UsageError) {
    console.error(`${error.message} (npm run ${tool} -- --help)`);
    return 2;
  }
  if (isProblem(error)) console.error(error.message);
  else if (unreachable(error)) {
    console.error(`cannot reach the ${tool} table ${connection.tableName} at ${connection.where}: ${connection.hint}`);
  } else console.error(`${tool} ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
};
