import { describe, expect, test } from '@jest/globals';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../../scripts/local/dynamodb-local';

describe('DynamoDB Local', () => {
  test('has the orders table', async () => {
    const client = localClient(process.env.DYNAMODB_ENDPOINT as string, 'us-east-1');
    const tables = await client.send(new ListTablesCommand({}));
    expect(tables.TableNames).toContain(process.env.ORDERS_TABLE_NAME);
    client.destroy();
  });
});
