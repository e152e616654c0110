/**
 * The relay bench's endpoints, in a process of their own so the relay process's CPU is the relay's alone: the fast
 * in-memory DynamoDB (the orders table with its pending-events index, infra/orders-table.json) and the local
 * EventBridge, each answering after an injected in-Region latency. Driven over IPC by bench/relay.ts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeEventBridge } from '../../scripts/local/fakes/aws-endpoints';
import {
  FakeDynamoDb,
  type IndexDefinition,
  type KeySchemaElement,
} from '../../scripts/local/fakes/dynamodb/fake-dynamodb';

export type FakesRequest = { kind: 'stats' } | { kind: 'reset' } | { kind: 'stop' };

export interface FakesStats {
  calls: Record<string, number>;
  put_events_calls: number;
  put_events_entries: number;
  put_events_max_in_flight: number;
  delivered: number;
  distinct_delivered: number;
  cpu_us: number;
}

const root = resolve(__dirname, '..', '..');
const [table = 'orders', dynamodbMs = '6', eventbridgeMs = '20'] = process.argv.slice(2);

const main = async () => {
  const schema = JSON.parse(readFileSync(join(root, 'infra', 'orders-table.json'), 'utf8')) as {
    KeySchema: KeySchemaElement[];
    GlobalSecondaryIndexes: IndexDefinition[];
  };
  const dynamodb = await new FakeDynamoDb().start();
  dynamodb.createTable(table, schema.KeySchema, schema.GlobalSecondaryIndexes);
  dynamodb.latencyMs = Number(dynamodbMs);
  const eventBridge = await new FakeEventBridge().start();
  const latency = Number(eventbridgeMs);
  eventBridge.latencyMs = latency;
  process.on('message', (message: FakesRequest) => {
    if (message.kind === 'stats') {
      const stats: FakesStats = {
        calls: Object.fromEntries(dynamodb.calls),
        put_events_calls: eventBridge.callSizes.length,
        put_events_entries: eventBridge.entryCount(),
        put_events_max_in_flight: eventBridge.maxInFlight,
        delivered: eventBridge.delivered.length,
        distinct_delivered: eventBridge.deliveriesById().size,
        cpu_us: (() => {
          const usage = process.cpuUsage();
          return usage.user + usage.system;
        })(),
      };
      process.send?.({ kind: 'stats', stats });
    } else if (message.kind === 'reset') {
      dynamodb.clear(table);
      dynamodb.calls.clear();
      eventBridge.reset();
      eventBridge.latencyMs = latency;
      process.send?.({ kind: 'reset' });
    } else {
      void Promise.all([dynamodb.stop(), eventBridge.stop()]).then(() => process.exit(0));
    }
  });
  process.send?.({ kind: 'ready', dynamodb: dynamodb.endpoint, eventbridge: eventBridge.endpoint });
};

void main();
