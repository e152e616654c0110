import { describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoDbClient } from '../../../adapters/aws-clients';
import { DependencyTimings, timeCalls } from '../../../adapters/dependency-timings';

/** An SDK client whose HTTP layer answers after `delayMs` with `status` (no network). */
const clientAnswering = (delayMs: number, status = 200) => {
  const client = createDynamoDbClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });
  client.config.requestHandler = {
    handle: async () => {
      await sleep(delayMs);
      const body = status === 200 ? '{}' : '{"__type":"com.amazon.coral.service#InternalFailure","message":"boom"}';
      return { response: { statusCode: status, headers: {}, body: Readable.from([body]) } };
    },
  };
  return client;
};

describe('timeCalls', () => {
  test('each call adds its wall time, retries included, under its dependency', async () => {
    const timings = new DependencyTimings();
    const client = timeCalls(clientAnswering(30), 'ordersTable', timings);
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'b' } } }));
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    const added: [string, string, number][] = [];
    metrics.addMetric = (name, unit, value) => {
      added.push([name, unit, value]);
      return metrics;
    };
    timings.flushTo(metrics);
    expect(added).toHaveLength(1);
    const [name, unit, value] = added[0] ?? [];
    expect([name, unit]).toEqual(['OrdersTableLatency', 'Milliseconds']);
    expect(value).toBeGreaterThanOrEqual(58);
    expect(value).toBeLessThan(1_000);
  });

  test('a failing call is timed too (every attempt), and flushing starts again from zero', async () => {
    const timings = new DependencyTimings();
    const client = timeCalls(clientAnswering(10, 500), 'credentials', timings);
    await expect(client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))).rejects.toThrow();
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    const values: number[] = [];
    metrics.addMetric = (_name, _unit, value) => {
      values.push(value);
      return metrics;
    };
    timings.flushTo(metrics);
    // Three attempts of 10 ms at least (SDK_BUDGET.maxAttempts) plus the backoff between them.
    expect(values[0]).toBeGreaterThanOrEqual(30);
    timings.flushTo(metrics);
    expect(values).toHaveLength(1);
  });

  test('one client for two tables (the request path): each call is timed under its own table', async () => {
    const timings = new DependencyTimings();
    const byTable = ({ TableName }: { TableName?: unknown }) =>
      TableName === 'accounts' ? 'credentials' : 'ordersTable';
    const client = timeCalls(clientAnswering(20), byTable, timings);
    await client.send(new GetItemCommand({ TableName: 'accounts', Key: { account_id: { S: 'a' } } }));
    await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'a' } } }));
    await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'b' } } }));
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    const added = new Map<string, number>();
    metrics.addMetric = (name, _unit, value) => {
      added.set(name, value);
      return metrics;
    };
    timings.flushTo(metrics);
    expect([...added.keys()].sort()).toEqual(['CredentialsLatency', 'OrdersTableLatency']);
    expect(added.get('CredentialsLatency')).toBeGreaterThanOrEqual(20);
    expect(added.get('OrdersTableLatency')).toBeGreaterThanOrEqual(40);
  });
});
