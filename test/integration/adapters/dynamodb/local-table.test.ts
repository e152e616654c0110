import { expect, test } from '@jest/globals';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { ensureOrdersTable, localClient } from '../../../../scripts/local/dynamodb-local';
import { endpoint } from '../../support/dynamo';

/** npm start keeps .local data between runs: a table made before the pending-events index gets it, data kept. */
test('a local table without the pending-events index gets it; a second call changes nothing', async () => {
  const client = localClient(endpoint(), 'us-east-1');
  const name = `orders-old-${randomBytes(4).toString('hex')}`;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ensureOrdersTable(client, name);
    await ensureOrdersTable(client, name);
    const table = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
    expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['pending-events']);
    expect(table?.GlobalSecondaryIndexes?.[0]?.Projection?.ProjectionType).toBe('KEYS_ONLY');
  } finally {
    await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
  }
});
