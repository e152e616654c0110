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
 * It prints, per scenario, the median of the paired differences (known - unknown) with its bootstrap standard error
 * and a 95 % interval, the mean difference, and in how many pairs the known side was slower.
 *
 *   npm run bench:auth-timing -- --pairs 2000      (default 1500 pairs per scenario)
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

const main = async (): Promise<void> => {
  const { values } = parseArgs({ options: { pairs: { type: 'string' } } });
  const pairs = Number(values.pairs ?? 1_500);
  if (!Number.isInteger(pairs) || pairs < 10) throw new Error('--pairs: an integer of at least 10');

  const dynamodb = await startDynamoDbLocal({ port: await freePort(), region: REGION });
  const admin = localClient(dynamodb.endpoint, REGION);
  const client = createDocumentClient({ region: REGION, endpoint: dynamodb.endpoint });
  let child: ReturnType<typeof fork> | undefined;
  try {
    await ensureOrdersTable(admin, ORDERS_TABLE);
    await ensureAccountsTable(admin, ACCOUNTS_TABLE);
    // Known accounts, each with one secret (as created by `npm run accounts -- create`): cold probes, and for
    // just-used a probed account and the other account used before an unknown probe, each with its secret.
    const now = new Date();
    const made = (prefix: string) =>
      Array.from({ length: pairs }, (_, i) => newAccount(`${prefix}-${i}`, now)) as {
        account: Account;
        issued: { secret: string };
      }[];
    const cold = made('cold');
    const used = made('used');
    const other = made('other');
    const warm = made('warm').slice(0, 50);
    await new AccountsTable(client, ACCOUNTS_TABLE).putAll(
      [...cold, ...used, ...other, ...warm].map((m) => m.account),
      8,
    );

    const { subject } = await buildBundles(root, resolve(root, '.local', 'bench-auth-timing'));
    child = fork(__filename, ['--serve', subject.file], {
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
        DYNAMODB_ENDPOINT: dynamodb.endpoint,
        EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
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
    const port = await new Promise<number>((resolve, reject) => {
      child?.once('message', (message) => resolve(Number(message)));
      child?.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** One request: its time in µs as this client saw it, the handler's own time (server side), its status. */
    const call = ({ account, secret }: Probe): Promise<{ us: number; handlerUs: number; status: number }> =>
      new Promise((resolve, reject) => {
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
              resolve({
                us: Number(process.hrtime.bigint() - started) / 1_000,
                handlerUs: Number(response.headers['x-handler-us']),
                status: response.statusCode ?? 0,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    const refused = async (probe: Probe): Promise<Timing> => {
      const { us, handlerUs, status } = await call(probe);
      if (status !== 401) throw new Error(`expected 401 for ${probe.account}, got ${status}`);
      return { us, handlerUs };
    };
    const wrong = 'a-wrong-secret-of-43-characters-aaaaaaaaaaa';
    const unknownId = () => `nobody-${randomUUID().slice(0, 13)}`;

    // Warm-up: the handler, the SDK connection and the JIT, on both paths.
    for (let i = 0; i < 300; i += 1) {
      const w = warm[i % warm.length] as (typeof warm)[number];
      await call({ account: w.account.account_id, secret: i % 3 === 0 ? w.issued.secret : wrong });
      await call({ account: unknownId(), secret: wrong });
    }

    type Side = 'known' | 'unknown';
    const fmt = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
    const report = (name: string, what: string, rounds: Round<Side>[]) => {
      const med = bootstrap(rounds, (pooled) => {
        const k = pooled('known');
        const u = pooled('unknown');
        return median(k.map((value, j) => value - (u[j] as number)));
      });
      const avg = bootstrap(rounds, (pooled) => mean(pooled('known')) - mean(pooled('unknown')));
      const slower = rounds.filter((r) => (r.known[0] as number) > (r.unknown[0] as number)).length;
      console.log(
        `${name.padEnd(9)} ${what.padEnd(7)} ${rounds.length} pairs: known ${median(rounds.map((r) => r.known[0] as number)).toFixed(0)} µs, ` +
          `unknown ${median(rounds.map((r) => r.unknown[0] as number)).toFixed(0)} µs (medians); ` +
          `known - unknown: median ${fmt(med.value)} ± ${med.se.toFixed(1)} µs ` +
          `(95 % CI ${fmt(med.value - 1.96 * med.se)} to ${fmt(med.value + 1.96 * med.se)}), ` +
          `mean ${fmt(avg.value)} ± ${avg.se.toFixed(1)} µs; known slower in ${slower} of ${rounds.length} ` +
          `(50 µs = ${(50 / med.se).toFixed(1)} standard errors of the median difference)`,
      );
    };
    const scenario = async (
      name: string,
      known: (i: number) => Promise<Timing>,
      unknown: (i: number) => Promise<Timing>,
    ) => {
      const http: Round<Side>[] = [];
      const handler: Round<Side>[] = [];
      for (let i = 0; i < pairs; i += 1) {
        let k: Timing;
        let u: Timing;
        if (i % 2 === 0) {
          k = await known(i);
          u = await unknown(i);
        } else {
          u = await unknown(i);
          k = await known(i);
        }
        http.push({ known: [k.us], unknown: [u.us] });
        handler.push({ known: [k.handlerUs], unknown: [u.handlerUs] });
      }
      report(name, 'HTTP', http);
      report(name, 'handler', handler);
    };

    console.log(
      `node ${process.version}, ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the start (a shared machine: figures under load)`,
    );
    await scenario(
      'cold',
      (i) => refused({ account: (cold[i] as (typeof cold)[number]).account.account_id, secret: wrong }),
      () => refused({ account: unknownId(), secret: wrong }),
    );
    await scenario(
      'just-used',
      async (i) => {
        const u = used[i] as (typeof used)[number];
        await call({ account: u.account.account_id, secret: u.issued.secret }); // legitimate: 404 (no such order)
        return refused({ account: u.account.account_id, secret: wrong });
      },
      async (i) => {
        const o = other[i] as (typeof other)[number];
        await call({ account: o.account.account_id, secret: o.issued.secret });
        return refused({ account: unknownId(), secret: wrong });
      },
    );
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
    agent.destroy();
  } finally {
    child?.kill();
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
