/**
 * `npm run webhooks -- <command>`: endpoints and secrets per account (README "Webhooks"). Against the running
 * `npm start` stack by default; `--stage NAME` targets a deployed stage (AWS credentials and region from the
 * environment, DYNAMODB_ENDPOINT / EVENTBRIDGE_ENDPOINT to point elsewhere).
 *
 * Secrets are printed only by add and rotate (one JSON line on stdout), never logged. Exit codes: 0 done,
 * 1 refused, not delivered or the table unreachable (one line on stderr says why), 2 bad usage.
 */
// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { randomBytes } from 'node:crypto';
import { createEventBridgeClient } from '../adapters/aws-clients';
import { WebhookEndpointsTable } from '../adapters/webhooks/endpoints-table';
import { assertDeliverableUrl, createHttpTransport } from '../adapters/webhooks/http-transport';
import { buildWebhookTestBody } from '../domain/webhooks/body';
import { sendToEndpoint } from '../domain/webhooks/deliver';
import { describeEndpoint, ENDPOINT_ID_PATTERN, WebhookProblem } from '../domain/webhooks/endpoints';
import {
  accountIdArg as accountId,
  connectTable,
  durationArg as duration,
  failureExitCode,
  parseCommandLine,
  UsageError,
} from './cli/table-cli';
import { localSettings, stageWebhooksTableName } from './local/settings';
import { localEventsFor, replayLocally, startArchiveReplay } from './webhooks/replay';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `usage: npm run webhooks -- <command> [--stage NAME]
  add ACCOUNT URL                            new endpoint; prints {"endpoint_id","url","secret"} once
  list [ACCOUNT]                             endpoints, status, secret dates (never secrets)
  remove ACCOUNT ENDPOINT_ID                 deletes the endpoint (nothing more is sent to it)
  rotate ACCOUNT ENDPOINT_ID [--old-expires-in 24h]
                                             new secret (printed once); both sign until the old one expires/is retired
  retire ACCOUNT ENDPOINT_ID                 ends a rotation: only the newest secret signs
  test ACCOUNT ENDPOINT_ID                   sends one signed test event now; exit 1 unless the receiver answers 2xx
  replay ACCOUNT --from ISO --to ISO         re-sends the account's completions in [from, to) (same webhook-ids)
  tail [--all]                               follows .local/webhooks.jsonl (what the local receiver verified)
URLs: https on port 443 whose host resolves to public addresses only (local stage: also http://localhost)`;

const targetFor = (stage: string | undefined) => {
  const connection = connectTable(stage, {
    local: (settings) => settings.webhooksTableName,
    stage: stageWebhooksTableName,
  });
  const policy = { allowLoopback: stage === undefined };
  return {
    ...connection,
    table: new WebhookEndpointsTable(connection.client, connection.tableName),
    policy,
    transport: createHttpTransport(policy),
    eventBridge: () =>
      createEventBridgeClient({ region: connection.region, endpoint: process.env.EVENTBRIDGE_ENDPOINT || undefined }),
  };
};
type Target = ReturnType<typeof targetFor>;

const endpointId = (value: string | undefined): string => {
  if (value === undefined || !ENDPOINT_ID_PATTERN.test(value))
    throw new UsageError(`bad endpoint id ${JSON.stringify(value ?? '')}: ep_ and 16 hex digits`);
  return value;
};
const instant = (name: string, value: string | undefined): Date => {
  const at = value === undefined ? Number.NaN : Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--${name} takes an ISO time, e.g. 2026-12-01T00:00:00Z`);
  return new Date(at);
};
const out = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

interface Options {
  stage?: string | undefined;
  oldExpiresIn?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const ARITY: Record<string, number> = { add: 2, remove: 2, rotate: 2, retire: 2, test: 2, replay: 1 };

const run = async (target: Target, command: string, args: string[], options: Options): Promise<number> => {
  const arity = ARITY[command];
  if (arity !== undefined && args.length !== arity) throw new UsageError(`${command} takes ${arity} argument(s)`);
  switch (command) {
    case 'add': {
      const account = accountId(args[0]);
      const url = await assertDeliverableUrl(args[1] as string, target.policy);
      const endpoint = await target.table.add(account, url.href);
      out({ endpoint_id: endpoint.endpoint_id, url: endpoint.url, secret: endpoint.secrets[0]?.secret });
      return 0;
    }
    case 'list': {
      if (args.length > 1) throw new UsageError('list takes at most one account id');
      if (args[0] !== undefined)
        for (const e of await target.table.listForAccount(accountId(args[0]))) out(describeEndpoint(e));
      else for await (const e of target.table.listAll()) out(describeEndpoint(e));
      return 0;
    }
    case 'remove':
      await target.table.remove(accountId(args[0]), endpointId(args[1]));
      out({ removed: args[1] });
      return 0;
    case 'rotate': {
      const expiry =
        options.oldExpiresIn === undefined ? undefined : new Date(Date.now() + duration(options.oldExpiresIn));
      const { url, secret } = await target.table.rotate(accountId(args[0]), endpointId(args[1]), expiry);
      out({ endpoint_id: args[1], url, secret });
      return 0;
    }
    case 'retire':
      out(describeEndpoint(await target.table.retire(accountId(args[0]), endpointId(args[1]))));
      return 0;
    case 'test':
      return sendTest(target, accountId(args[0]), endpointId(args[1]));
    case 'replay':
      return replay(target, accountId(args[0]), options);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
};

const sendTest = async (target: Target, account: string, id: string): Promise<number> => {
  const { endpoint } = await target.table.mustGet(account, id);
  const webhookId = `test_${randomBytes(16).toString('hex')}`;
  const body = JSON.stringify(buildWebhookTestBody(account, id, webhookId, new Date()));
  const result = await sendToEndpoint(endpoint, body, webhookId, {
    transport: target.transport,
    now: () => new Date(),
  });
  out({
    endpoint_id: id,
    webhook_id: webhookId,
    result: result.kind,
    ...('status' in result ? { status: result.status } : {}),
    ...('reason' in result ? { reason: result.reason } : {}),
  });
  return result.kind === 'delivered' ? 0 : 1;
};

const replay = async (target: Target, account: string, options: Options): Promise<number> => {
  const from = instant('from', options.from);
  const to = instant('to', options.to);
  if (from >= to) throw new UsageError('--from must be before --to');
  if (options.stage !== undefined) {
    out(await startArchiveReplay(target.eventBridge(), options.stage, account, from, to));
    return 0;
  }
  const details = localEventsFor(target.settings.eventsFile, account, from, to);
  const results = await replayLocally(details, await target.table.listForAccount(account), target.transport);
  for (const result of results) out(result);
  console.error(`replayed ${details.length} event(s) of ${account} to its endpoints: ${results.length} deliveries`);
  return results.every((result) => result.result.startsWith('delivered')) ? 0 : 1;
};

const isProblem = (error: unknown): error is WebhookProblem => error instanceof WebhookProblem;

const main = async (): Promise<number> => {
  const line = parseCommandLine('webhooks', USAGE, {
    'old-expires-in': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    all: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if ('exitCode' in line) return line.exitCode;
  const { values, command, args } = line;
  if (command === 'tail') {
    process.env.EVENTS_FILE = localSettings().webhooksFile;
    await import('./events');
    return new Promise<number>(() => undefined); // follows until Ctrl-C
  }
  const target = targetFor(values.stage);
  try {
    return await run(target, command, args, {
      stage: values.stage,
      oldExpiresIn: values['old-expires-in'],
      from: values.from,
      to: values.to,
    });
  } catch (error) {
    return failureExitCode('webhooks', command, error, target, isProblem);
  } finally {
    target.close();
  }
};

void main().then((code) => process.exit(code));
