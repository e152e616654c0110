import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { toDocumentClient } from '../../adapters/aws-clients';
import { WebhookEndpointsTable } from '../../adapters/webhooks/endpoints-table';
import { signingSecrets } from '../../domain/webhooks/endpoints';
import table from '../../infra/webhooks-table.json';

type TableInput = CreateTableCommand['input'];
export const LOCAL_WEBHOOK_ACCOUNT = 'local-account';

/** Creates the webhooks table (key schema as serverless.yml, from infra/webhooks-table.json) unless it exists. */
export const ensureWebhooksTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: table.AttributeDefinitions as TableInput['AttributeDefinitions'],
        KeySchema: table.KeySchema as TableInput['KeySchema'],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // Two stacks on one DynamoDB (the e2e tests' second stack) may both try: the table exists, which is the point.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};

/** local-account's endpoint for the local receiver: the existing one (same secret across restarts) or a new one. */
export const ensureLocalEndpoint = async (client: DynamoDBClient, tableName: string, url: string): Promise<string> => {
  const endpoints = new WebhookEndpointsTable(toDocumentClient(client), tableName);
  const existing = (await endpoints.listForAccount(LOCAL_WEBHOOK_ACCOUNT)).find((e) => e.url === url);
  if (existing !== undefined && existing.status === 'enabled') return existing.endpoint_id;
  if (existing !== undefined) await endpoints.remove(LOCAL_WEBHOOK_ACCOUNT, existing.endpoint_id);
  return (await endpoints.add(LOCAL_WEBHOOK_ACCOUNT, url)).endpoint_id;
};

const MAX_BODY_BYTES = 1 << 20;

/**
 * The local receiver, as a subscriber's would be: it verifies every delivery with the reference package against
 * the live secrets of the endpoints registered for its URL (re-read per request, so `rotate` and `retire` take
 * effect at once), answers 401 `{message, detail}` to a bad or missing signature, and appends each verified
 * delivery as one JSON line to .local/webhooks.jsonl.
 */
export const startWebhookReceiver = async (options: {
  client: DynamoDBClient;
  tableName: string;
  port: number;
  url: string;
  file: string;
}): Promise<Server> => {
  const endpoints = new WebhookEndpointsTable(toDocumentClient(options.client), options.tableName);
  await mkdir(dirname(options.file), { recursive: true });
  const answer = (response: ServerResponse, status: number, message: string, detail = {}) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message, detail }));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        if (request.method !== 'POST') return answer(response, 405, 'Method not allowed');
        if (size > MAX_BODY_BYTES) return answer(response, 413, 'Payload too large', { max_bytes: MAX_BODY_BYTES });
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [
            name,
            Array.isArray(value) ? value.join(',') : (value ?? ''),
          ]),
        );
        const now = new Date();
        const secrets = (await endpoints.listForAccount(LOCAL_WEBHOOK_ACCOUNT))
          .filter((endpoint) => endpoint.url === options.url)
          .flatMap((endpoint) => signingSecrets(endpoint, now));
        const verified = secrets.some((secret) => {
          try {
            new Webhook(secret).verify(body, headers);
            return true;
          } catch {
            return false;
          }
        });
        if (!verified) return answer(response, 401, 'Invalid webhook signature', { verified_with: 'standardwebhooks' });
        const line = {
          received_at: now.toISOString(),
          webhook_id: headers['webhook-id'],
          webhook_timestamp: Number(headers['webhook-timestamp']),
          signatures: (headers['webhook-signature'] ?? '').split(' ').length,
          body: JSON.parse(body) as unknown,
        };
        await appendFile(options.file, `${JSON.stringify(line)}\n`);
        response.writeHead(204).end();
      })().catch((error: unknown) => answer(response, 500, 'Internal server error', { reason: String(error) }));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', done);
  });
  return server;
};
