/**
 * `npm run bench:auth-timing`: does a wrong secret for a KNOWN account take longer to refuse than any secret for an
 * UNKNOWN account id (issue 22)? Measured over HTTP: the real complete-order Lambda (createCompleteOrderLambda, its
 * real SDK client, credential store and cache) behind a small HTTP server in a child process, against DynamoDB
 * Local; this process is the client and times each request (keep-alive, one at a time).
 *
 * Two scenarios, each as interleaved pairs (one known-wrong and one unknown request, the order alternating pair by
 * pair, so machine drift hits both sides alike):
 *   cold:      the known account was never looked up; the unknown id is new (both: one GetItem).
 *   just-used: right before the probe, a legitimate request (right secret) on the same known account, or on
 *              another known account before the unknown probe: does a probe reveal recent use?
 *   dynamodb:  no handler: this process's own GetItem (strongly consistent, as the store reads) of a known account
 *              vs an unknown id, to see how much of a difference is DynamoDB Local's own (a hit vs a miss).
 * It prints, per scenario, the median of the paired differences (known - unknown) with its bootstrap standard error
 * and a 95 % interval, the mean difference, and in how many pairs the known side was slower.
 *
 *   npm run bench:auth-timing -- --pairs 2000      (default 1500 pairs per scenario; --dynamodb-only: that one)
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../adapters/aws-clients';
import { AccountsTable } from '../../adapters/credentials/accounts-table';
import { newAccount, type Account } from '../../domain/accounts';
import { ensureAccountsTable } from '../../scripts/local/accounts';
import { ensureOrdersTable, localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local';
import { freePort } from '../../scripts/local/fakes/free-port';
import { buildBundles } from '../build';
import { apiEvent } from '../events';
import { lambdaContext } from '../lambda-context';
import { bootstrap, mean, median, type Round } from '../stats';

const root = resolve(__dirname, '..', '..');
const REGION = 'us-east-1';
const ORDERS_TABLE = 'orders-auth-timing';
const ACCOUNTS_TABLE = 'accounts-auth-timing';

/**
 * The child: the deployable Lambda bundle (built as `serverless package` builds it, bench/build.ts) behind HTTP, the
 * request's Authorization header passed through.
 */
const serve = async (bundleFile: string): Promise<void> => {
  const { handler } = (await import(pathToFileURL(bundleFile).href)) as {
    handler: (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const handle = decodeURIComponent(/^\/orders\/([^/]+)\/complete$/.exec(request.url ?? '')?.[1] ?? 'x');
      const event = apiEvent('placeholder', 'placeholder', handle, {}, randomUUID());
      event.headers.authorization = request.headers.authorization ?? '';
      const started = process.hrtime.bigint();
      void handler(event, lambdaContext()).then(
        (result) => {
          const us = Number(process.hrtime.bigint() - started) / 1_000;
          response.writeHead(result.statusCode ?? 500, {
            'content-type': 'application/json',
            'x-handler-us': String(us),
          });
          response.end(result.body ?? '');
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
};

interface Timing {
  us: number;
  handlerUs: number;
}

interface Probe {
  account: string;
  secret: string;
}

/** Known accounts with their secrets (one each, as `npm run accounts -- create` makes them). */
type Made = { account: Account; issued: { secret: string } }[];

/** The server child on the local DynamoDB: its port, and how to stop it. */
const startServer = async (dynamodbEndpoint: string): Promise<{ port: number; stop: () => void }> => {
  const { subject } = await buildBundles(root, resolve(root, '.local', 'bench-auth-timing'));
  const child = fork(__filename, ['--serve', subject.file], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ORDERS_TABLE_NAME: ORDERS_TABLE,
      ACCOUNTS_TABLE_NAME: ACCOUNTS_TABLE,
      EVENT_BUS_NAME: 'auth-timing',
      EVENT_SOURCE: 'orders-complete.auth-timing',
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  // The server's stderr, without Powertools' "no application metrics" notice (a 401 publishes none).
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = chunk
      .toString()
      .split('\n')
      .filter((l) => l !== '' && !l.includes('No application metrics'));
    if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
  });
  const port = await new Promise<number>((done, fail) => {
    child.once('message', (message) => done(Number(message)));
    child.once('exit', (code) => fail(new Error(`the server exited (${code})`)));
  });
  return { port, stop: () => child.kill() };
};

/** Requests to the server, one at a time on one kept-alive connection, timed by this process. */
const clientOf = (port: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call = ({ account, secret }: Probe): Promise<Timing & { status: number }> =>
    new Promise((done, fail) => {
      const started = process.hrtime.bigint();
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          agent,
          method: 'POST',
          path: `/orders/auth-timing-${randomUUID()}/complete`,
          headers: {
            authorization: `Basic ${Buffer.from(`${account}:${secret}`).toString('base64')}`,
            'content-type': 'application/json',
            'content-length': '2',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            done({
              us: Number(process.hrtime.bigint() - started) / 1_000,
              handlerUs: Number(response.headers['x-handler-us']),
              status: response.statusCode ?? 0,
            }),
          );
        },
      );
      req.on('error', fail);
      req.end('{}');
    });
  const refused = async (probe: Probe): Promise<Timing> => {
    const { us, handlerUs, status } = await call(probe);
    if (status !== 401) throw new Error(`expected 401 for ${probe.account}, got ${status}`);
    return { us, handlerUs };
  };
  return { call, refused, close: () => agent.destroy() };
};

type Side = 'known' | 'unknown';
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

/** One line: medians, the median paired difference with its bootstrap SE and 95 % interval, the mean difference. */
const report = (name: string, what: string, rounds: Round<Side>[]): void => {
  const med = bootstrap(rounds, (pooled) => {
    const unknown = pooled('unknown');
    return median(pooled('known').map((value, j) => value - (unknown[j] as number)));
  });
  const avg = bootstrap(rounds, (pooled) => mean(pooled('known')) - mean(pooled('unknown')));
  const slower = rounds.filter((r) => (r.known[0] as number) > (r.unknown[0] as number)).length;
  const side = (s: Side) => median(rounds.map((r) => r[s][0] as number)).toFixed(0);
  console.log(
    `${name.padEnd(9)} ${what.padEnd(7)} ${rounds.length} pairs: known ${side('known')} µs, unknown ${side('unknown')} µs ` +
      `(medians); known - unknown: median ${signed(med.value)} ± ${med.se.toFixed(1)} µs ` +
      `(95 % CI ${signed(med.value - 1.96 * med.se)} to ${signed(med.value + 1.96 * med.se)}), ` +
      `mean ${signed(avg.value)} ± ${avg.se.toFixed(1)} µs; known slower in ${slower} of ${rounds.length} ` +
      `(50 µs = ${(50 / med.se).toFixed(1)} standard errors of the median difference)`,
  );
};

/** `pairs` interleaved pairs, the order alternating; reported as the client saw them and as the handler took them. */
const scenario = async (
  name: string,
  pairs: number,
  known: (i: number) => Promise<Timing>,
  unknown: (i: number) => Promise<Timing>,
): Promise<void> => {
  const http: Round<Side>[] = [];
  const handler: Round<Side>[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const [k, u] = i % 2 === 0 ? [await known(i), await unknown(i)] : [await unknown(i), await known(i)].reverse();
    http.push({ known: [(k as Timing).us], unknown: [(u as Timing).us] });
    handler.push({ known: [(k as Timing).handlerUs], unknown: [(u as Timing).handlerUs] });
  }
  report(name, 'HTTP', http);
  report(name, 'handler', handler);
};

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** DynamoDB alone: a strongly consistent GetItem of a known account vs of an unknown id, timed here. */
const measureDynamoDb = async (client: DynamoDBDocumentClient, pairs: number, made: Made): Promise<void> => {
  const get = async (accountId: string): Promise<Timing> => {
    const started = process.hrtime.bigint();
    await client.send(
      new GetCommand({
        TableName: ACCOUNTS_TABLE,
        Key: { account_id: accountId },
        ProjectionExpression: 'account_id, secrets',
        ConsistentRead: true,
      }),
    );
    const us = Number(process.hrtime.bigint() - started) / 1_000;
    return { us, handlerUs: us };
  };
  for (let i = 0; i < 300; i += 1) await get(i % 2 === 0 ? `nobody-${i}` : `cold-${i % made.length}`);
  const rounds: Round<Side>[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const known = () => get((made[i % made.length] as Made[number]).account.account_id);
    const unknown = () => get(`nobody-${randomUUID().slice(0, 13)}`);
    const [k, u] = i % 2 === 0 ? [await known(), await unknown()] : [await unknown(), await known()].reverse();
    rounds.push({ known: [(k as Timing).us], unknown: [(u as Timing).us] });
  }
  report('dynamodb', 'GetItem', rounds);
};

const measure = async (port: number, pairs: number, made: Record<'cold' | 'used' | 'other' | 'warm', Made>) => {
  const { call, refused, close } = clientOf(port);
  const wrong = 'a-wrong-secret-of-43-characters-aaaaaaaaaaa';
  const unknownId = () => `nobody-${randomUUID().slice(0, 13)}`;
  const at = (list: Made, i: number) => list[i % list.length] as Made[number];
  try {
    // Warm-up: the handler, the SDK connection and the JIT, on both paths.
    for (let i = 0; i < 300; i += 1) {
      const w = at(made.warm, i);
      await call({ account: w.account.account_id, secret: i % 3 === 0 ? w.issued.secret : wrong });
      await call({ account: unknownId(), secret: wrong });
    }
    console.log(
      `node ${process.version}, ${cpus().length} cores, load average ${load()} at the start (shared machine)`,
    );
    await scenario(
      'cold',
      pairs,
      (i) => refused({ account: at(made.cold, i).account.account_id, secret: wrong }),
      () => refused({ account: unknownId(), secret: wrong }),
    );
    await scenario(
      'just-used',
      pairs,
      async (i) => {
        const u = at(made.used, i);
        await call({ account: u.account.account_id, secret: u.issued.secret }); // legitimate: 404 (no such order)
        return refused({ account: u.account.account_id, secret: wrong });
      },
      async (i) => {
        const o = at(made.other, i);
        await call({ account: o.account.account_id, secret: o.issued.secret });
        return refused({ account: unknownId(), secret: wrong });
      },
    );
    console.log(`load average ${load()} at the end`);
  } finally {
    close();
  }
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({ options: { pairs: { type: 'string' }, 'dynamodb-only': { type: 'boolean' } } });
  const pairs = Number(values.pairs ?? 1_500);
  if (!Number.isInteger(pairs) || pairs < 10) throw new Error('--pairs: an integer of at least 10');

  const dynamodb = await startDynamoDbLocal({ port: await freePort(), region: REGION });
  const admin = localClient(dynamodb.endpoint, REGION);
  const client = createDocumentClient({ region: REGION, endpoint: dynamodb.endpoint });
  let server: { stop: () => void } | undefined;
  try {
    await ensureOrdersTable(admin, ORDERS_TABLE);
    await ensureAccountsTable(admin, ACCOUNTS_TABLE);
    const now = new Date();
    const make = (prefix: string, count: number): Made =>
      Array.from({ length: count }, (_, i) => newAccount(`${prefix}-${i}`, now));
    const made = {
      cold: make('cold', pairs),
      used: make('used', pairs),
      other: make('other', pairs),
      warm: make('warm', 50),
    };
    await new AccountsTable(client, ACCOUNTS_TABLE).putAll(
      Object.values(made).flatMap((list) => list.map((m) => m.account)),
      8,
    );
    if (values['dynamodb-only'] !== true) {
      const started = await startServer(dynamodb.endpoint);
      server = started;
      await measure(started.port, pairs, made);
    }
    await measureDynamoDb(client, pairs, made.cold);
  } finally {
    server?.stop();
    client.destroy();
    admin.destroy();
    await dynamodb.stop();
  }
};

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) void serve(process.argv[serveAt + 1] as string);
else
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
