import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from '../../domain/zod-mini';
import {
  WebhookProblem,
  newEndpoint,
  retireOldSecrets,
  rotateSecret,
  type WebhookEndpoint,
} from '../../domain/webhooks/endpoints';
import type { WebhookEndpointStore } from '../../domain/webhooks/ports';

/**
 * The webhooks table (`orders-complete-<stage>-webhooks`, key account_id + endpoint_id): one item per endpoint,
 * with its URL, status and signing secrets (README "Webhooks": why here, who may read it). The sender reads it
 * (Query by account, GetItem) and disables an endpoint on 410; `npm run webhooks` is the only writer otherwise.
 * Items carry a `revision`; every change is one conditional write on the revision just read.
 */
const itemSchema = z.object({
  account_id: z.string(),
  endpoint_id: z.string(),
  url: z.string(),
  status: z.enum(['enabled', 'disabled']),
  disabled_reason: z.optional(z.string()),
  disabled_at: z.optional(z.string()),
  created_at: z.string(),
  secrets: z.array(z.object({ secret: z.string(), created_at: z.string(), expires_at: z.optional(z.string()) })),
  revision: z.number().check(z.int()),
});

const toEndpoint = (item: Record<string, unknown>): WebhookEndpoint => {
  const { revision: _revision, ...endpoint } = itemSchema.parse(item);
  return endpoint;
};

export class WebhookEndpointsTable implements WebhookEndpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listForAccount(accountId: string): Promise<WebhookEndpoint[]> {
    const endpoints: WebhookEndpoint[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'account_id = :a',
          ExpressionAttributeValues: { ':a': accountId },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      endpoints.push(...(page.Items ?? []).map(toEndpoint));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return endpoints;
  }

  async *listAll(): AsyncGenerator<WebhookEndpoint> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) yield toEndpoint(item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  async get(accountId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const item = await this.getItem(accountId, endpointId);
    return item === undefined ? undefined : toEndpoint(item);
  }

  async disable(accountId: string, endpointId: string, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { account_id: accountId, endpoint_id: endpointId },
          UpdateExpression: 'SET #s = :d, disabled_reason = :r, disabled_at = :t ADD revision :one',
          ConditionExpression: 'attribute_exists(endpoint_id)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':d': 'disabled', ':r': reason, ':t': at.toISOString(), ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // removed meanwhile: nothing to disable
    }
  }

  async add(accountId: string, url: string): Promise<WebhookEndpoint> {
    const endpoint = newEndpoint(accountId, url, this.now());
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...endpoint, revision: 1 },
        ConditionExpression: 'attribute_not_exists(endpoint_id)',
      }),
    );
    return endpoint;
  }

  async rotate(accountId: string, endpointId: string, oldExpiresAt?: Date): Promise<{ url: string; secret: string }> {
    const { endpoint, revision } = await this.mustGet(accountId, endpointId);
    const rotated = rotateSecret(endpoint, this.now(), oldExpiresAt);
    await this.replace(rotated.endpoint, revision);
    return { url: endpoint.url, secret: rotated.secret };
  }

  async retire(accountId: string, endpointId: string): Promise<WebhookEndpoint> {
    const { endpoint, revision } = await this.mustGet(accountId, endpointId);
    const retired = retireOldSecrets(endpoint);
    await this.replace(retired, revision);
    return retired;
  }

  async remove(accountId: string, endpointId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { account_id: accountId, endpoint_id: endpointId },
          ConditionExpression: 'attribute_exists(endpoint_id)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw unknownEndpoint(accountId, endpointId);
      throw error;
    }
  }

  private async getItem(accountId: string, endpointId: string) {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { account_id: accountId, endpoint_id: endpointId },
        ConsistentRead: true,
      }),
    );
    return output.Item;
  }

  async mustGet(accountId: string, endpointId: string): Promise<{ endpoint: WebhookEndpoint; revision: number }> {
    const item = await this.getItem(accountId, endpointId);
    if (item === undefined) throw unknownEndpoint(accountId, endpointId);
    return { endpoint: toEndpoint(item), revision: itemSchema.parse(item).revision };
  }

  private async replace(endpoint: WebhookEndpoint, revision: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...endpoint, revision: revision + 1 },
          ConditionExpression: 'revision = :r',
          ExpressionAttributeValues: { ':r': revision },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new WebhookProblem('unknown_endpoint', `endpoint ${endpoint.endpoint_id} changed meanwhile: try again`);
      }
      throw error;
    }
  }
}

const unknownEndpoint = (accountId: string, endpointId: string) =>
  new WebhookProblem('unknown_endpoint', `no endpoint ${endpointId} for account ${accountId}`);
