import { jest } from '@jest/globals';
import type { ScheduledEvent } from 'aws-lambda';
import { createCompleteOrderAdapters, createRelayDeps } from '../../../adapters/composition-root';
import { DependencyTimings } from '../../../adapters/dependency-timings';
import { createLogger, createMetrics, type Observability } from '../../../adapters/observability';
import { loadConfig } from '../../../config/env';
import type * as CompleteOrderModule from '../../../handlers/complete-order';
import type * as RelayModule from '../../../handlers/relay-pending-events';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { apiEvent, basicAuthorization, lambdaContext } from '../../unit/support/http';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../../../adapters/dynamodb/seeder';
import { ensureOrdersTable, localClient } from '../../../scripts/local/dynamodb-local';
import { dynamodbEndpoint, LOCAL, makeOrder, uniqueHandle } from './e2e';

/** One metric as an EMF record declares it. */
export interface EmittedMetric {
  namespace: string;
  name: string;
  unit: string;
  dimensions: string[][];
  /** The values of the record's dimensions. */
  dimensionValues: Record<string, string>;
}

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

const emfMetrics = (output: string): EmittedMetric[] =>
  output
    .split('\n')
    .filter((line) => line.trim().startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument)
    .flatMap((doc) =>
      doc._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          dimensions: directive.Dimensions,
          dimensionValues: Object.fromEntries(directive.Dimensions.flat().map((d) => [d, String(doc[d])])),
        })),
      ),
    );

/**
 * The stack's local EventBridge behind a switch: while `down`, every call answers 500 (an EventBridge outage); else
 * each call is passed through. Lets one request handler (one circuit breaker) see the bus fail and recover.
 */
const switchableEventBridge = async (target: string) => {
  const state = { down: true };
  const server = createServer((incoming, outgoing) => {
    if (state.down) {
      incoming.resume();
      outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      outgoing.end(JSON.stringify({ __type: 'InternalException', message: 'outage' }));
      return;
    }
    const url = new URL(target);
    const forwarded = httpRequest(
      { host: url.hostname, port: url.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    state,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
};

/**
 * The metrics the deployed code really emits, collected from its EMF output: the request handler and the relay, as
 * the Lambda entries build them (real SDK clients, timed and counted), in the environment `serverless package` gave
 * the function, against the e2e stack's DynamoDB Local (an orders table of its own, so its relay pass never takes
 * another test's pending event; the stack's accounts) and EventBridge. The requests cover every outcome that counts
 * something: a completion (with the time in each dependency, credentials read afresh), a 409, a 422, a completion
 * whose publish fails (EventBridge unreachable), and a relay pass (which then publishes that pending event).
 */
export const collectEmittedMetrics = async (functionEnv: Record<string, string>): Promise<EmittedMetric[]> => {
  const { createCompleteOrderHandler } = await import('../../../handlers/complete-order');
  const { createRelayHandler } = await import('../../../handlers/relay-pending-events');
  const saved = { ...process.env };
  const output: string[] = [];
  const table = `orders-metrics-${randomBytes(4).toString('hex')}`;
  const admin = localClient(dynamodbEndpoint(), 'us-east-1');
  await ensureOrdersTable(admin, table);
  const client = createDocumentClient({ region: 'us-east-1', endpoint: dynamodbEndpoint() });
  Object.assign(process.env, functionEnv, {
    ORDERS_TABLE_NAME: table,
    ACCOUNTS_TABLE_NAME: 'orders-complete-local-accounts',
    EVENT_BUS_NAME: 'orders-complete-local',
    DYNAMODB_ENDPOINT: dynamodbEndpoint(),
    EVENTBRIDGE_ENDPOINT: process.env.E2E_EVENTBRIDGE_ENDPOINT,
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  const capture = (chunk: string | Uint8Array): boolean => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // The functions' own output (EMF on stdout; the failed publish's WARN line) stays out of the test's.
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const [completed, conflict, unpublished, opening, skipped, probe] = [
      uniqueHandle('metrics'),
      uniqueHandle('metrics'),
      uniqueHandle('metrics'),
      uniqueHandle('metrics'),
      uniqueHandle('metrics'),
      uniqueHandle('metrics'),
    ];
    await new DynamoDbOrderSeeder(client, table).putOrders([
      makeOrder({ order_handle: completed }),
      makeOrder({ order_handle: conflict, status: 'cancelled' }),
      makeOrder({ order_handle: unpublished }),
      makeOrder({ order_handle: opening }),
      makeOrder({ order_handle: skipped }),
      makeOrder({ order_handle: probe }),
    ]);
    const requestHandler = (eventBridgeEndpoint: string | undefined, extraEnv: Record<string, string> = {}) => {
      const observability: Observability = {
        logger: createLogger(),
        metrics: createMetrics(),
        tracing: undefined,
        timings: new DependencyTimings(),
      };
      const config = loadConfig({ ...process.env, ...extraEnv, EVENTBRIDGE_ENDPOINT: eventBridgeEndpoint });
      const { deps, credentials } = createCompleteOrderAdapters(config, observability);
      return createCompleteOrderHandler(deps, credentials, observability.logger, observability);
    };
    const post = (
      handler: ReturnType<typeof CompleteOrderModule.createCompleteOrderHandler>,
      handle: string,
      query = '',
    ) =>
      handler(
        apiEvent({
          pathParameters: { order_handle: handle },
          rawQueryString: query,
          headers: { authorization: basicAuthorization(LOCAL, 'local-secret') },
        }),
        lambdaContext() as AuthenticatedContext,
      );
    const healthy = requestHandler(process.env.EVENTBRIDGE_ENDPOINT);
    const statuses = [
      (await post(healthy, completed)).statusCode,
      (await post(healthy, conflict)).statusCode,
      (await post(healthy, completed, 'type=boat')).statusCode,
      // Nothing listens on port 9 (discard): the publish fails, the event stays pending.
      (await post(requestHandler('http://127.0.0.1:9'), unpublished)).statusCode,
    ];
    // The circuit breaker's life in one environment (one handler): the bus fails (opens after one failure here), a
    // request skips the publish, the bus recovers, the next request after the cool-down probes and closes it. The
    // cool-down must outlast the skipping request on a loaded machine (with 100 ms, a slow request became the probe
    // instead, and nothing was skipped), so it is 2 s, and the probe waits it out.
    const coolDownMs = 2_000;
    const bus = await switchableEventBridge(process.env.EVENTBRIDGE_ENDPOINT as string);
    try {
      const breaking = requestHandler(bus.endpoint, {
        PUBLISH_BREAKER_FAILURES: '1',
        PUBLISH_BREAKER_COOLDOWN_MS: String(coolDownMs),
      });
      statuses.push((await post(breaking, opening)).statusCode);
      const openedAt = Date.now();
      statuses.push((await post(breaking, skipped)).statusCode);
      const skippedAfterMs = Date.now() - openedAt;
      if (skippedAfterMs >= coolDownMs) throw new Error(`the skipping request took ${skippedAfterMs} ms`);
      bus.state.down = false;
      // The breaker opened a little before the first request answered: a second more, so the next request probes.
      await sleep(coolDownMs - skippedAfterMs + 1_000);
      statuses.push((await post(breaking, probe)).statusCode);
    } finally {
      await bus.close();
    }
    if (statuses.join() !== '200,409,422,200,200,200,200') throw new Error(`unexpected statuses ${statuses.join()}`);
    const logger = createLogger();
    const relay: ReturnType<typeof RelayModule.createRelayHandler> = createRelayHandler(
      createRelayDeps(loadConfig(process.env), logger),
      logger,
      createMetrics(),
    );
    await relay({} as ScheduledEvent, { ...lambdaContext(), getRemainingTimeInMillis: () => 60_000 });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    client.destroy();
    // A retried DeleteTable (the first answered late on a loaded machine) finds the table gone: that is done too.
    await admin.send(new DeleteTableCommand({ TableName: table })).catch((error: unknown) => {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    });
    admin.destroy();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  return emfMetrics(output.join(''));
};
