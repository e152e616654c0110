/**
 * `npm run bench:migration-time -- [--orders 10000] [--points 60]`: how long `migrate-tracks` takes locally. Starts a
 * DynamoDB Local of its own, writes that many orders in the one-item layout (tracks of `points` fixes, all over the
 * inline limit), then times a dry run and the migration, and checks every record moved.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../adapters/aws-clients';
import { toItem } from '../../adapters/dynamodb/seeder';
import { migrateTracks } from '../../adapters/dynamodb/track-migration';
import { ensureOrdersTable, localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local';
import { freePort } from '../../scripts/local/fakes/free-port';
import { benchOrder } from '../orders';

const main = async (): Promise<void> => {
  const { values } = parseArgs({ options: { orders: { type: 'string' }, points: { type: 'string' } } });
  const count = Number(values.orders ?? 10_000);
  const points = Number(values.points ?? 60);
  const dynamodb = await startDynamoDbLocal({ port: await freePort(), region: 'us-east-1' });
  const table = 'orders-migration-time';
  const admin = localClient(dynamodb.endpoint, 'us-east-1');
  await ensureOrdersTable(admin, table);
  admin.destroy();
  const client = toDocumentClient(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { requestTimeout: 60_000 },
    }),
  );
  try {
    const seedStart = Date.now();
    for (let start = 0; start < count; start += 25) {
      let requests = Array.from({ length: Math.min(25, count - start) }, (_, i) => ({
        PutRequest: { Item: toItem(benchOrder('local-account', `m-${start + i}`, points)) },
      }));
      while (requests.length > 0) {
        const output = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (output.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
    console.log(
      `${count} one-item orders of ${points} points written in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`,
    );
    const dryStart = Date.now();
    const dry = await migrateTracks(client, table, { dryRun: true });
    console.log(`dry run: ${dry.moved} to move, ${((Date.now() - dryStart) / 1000).toFixed(1)} s`);
    const runStart = Date.now();
    const run = await migrateTracks(client, table);
    console.log(
      `migration: ${run.moved} moved (${run.fixes} fixes), ${run.skipped} skipped, ${((Date.now() - runStart) / 1000).toFixed(1)} s`,
    );
    if (run.moved !== count) process.exitCode = 1;
  } finally {
    client.destroy();
    await dynamodb.stop();
  }
};

void main();
