import { createHash } from 'node:crypto';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  createDynamoDbClient,
  createEventBridgeClient,
  createSecretsManagerClient,
  toDocumentClient,
} from '../adapters/aws-clients';
import { pendingShard } from '../adapters/dynamodb/keys';

/**
 * The bench's baseline: the least a handler can do to make the same AWS calls as the service, with the same SDK
 * clients built the same way (adapters/aws-clients.ts), and nothing else: no middy, zod, auth, logging, metrics,
 * tracing or error mapping. Happy path only (the bench completes only completable orders). It is bundled with the
 * service's own esbuild options, so the ratios compare like with like.
 *   exact record named: UpdateItem (complete) -> PutEvents (1 entry) -> UpdateItem (clear pending, set route_handle)
 *   otherwise:          Query (consistent)    -> UpdateItem (complete) -> PutEvents -> UpdateItem (clear pending)
 */
const region = process.env.AWS_REGION ?? 'us-east-1';
const table = process.env.ORDERS_TABLE_NAME ?? '';
const busName = process.env.EVENT_BUS_NAME ?? '';
const source = process.env.EVENT_SOURCE ?? '';
const endpointOf = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
const dynamo = toDocumentClient(createDynamoDbClient({ region, endpoint: endpointOf(process.env.DYNAMODB_ENDPOINT) }));
const events = createEventBridgeClient({ region, endpoint: endpointOf(process.env.EVENTBRIDGE_ENDPOINT) });
const secretId = process.env.ACCOUNTS_SOURCE === 'secretsmanager' ? process.env.ACCOUNTS_SECRET_ID : undefined;
const secrets = secretId === undefined ? undefined : createSecretsManagerClient({ region });
const cacheMs = Number(process.env.ACCOUNTS_CACHE_SECONDS ?? 300) * 1000;
let accounts: { document: { accounts?: Record<string, unknown> }; expiresAt: number } | undefined;

/** The deployed credential store, read on a cache miss as the service reads it (no hash check: no auth). */
const knownAccount = async (account: string): Promise<boolean> => {
  if (secrets === undefined) return true;
  if (accounts === undefined || accounts.expiresAt <= Date.now()) {
    const output = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    accounts = { document: JSON.parse(output.SecretString ?? '{}') as object, expiresAt: Date.now() + cacheMs };
  }
  return Object.hasOwn(accounts.document.accounts ?? {}, account);
};

// The event detail's bounds (the API's: domain/order-fields.ts), applied as the service applies them.
const MAX_REFERENCE_LENGTH = 256;
const MAX_SHARE_URL_LENGTH = 2048;
const MAX_METADATA_BYTES = 4096;
const bounded = (value: unknown, max: number) => (typeof value === 'string' && value.length <= max ? value : null);
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

const pad = (value: number) => value.toString().padStart(10, '0');
const COMPLETABLE = ['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'];

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const authorization = event.headers.authorization ?? '';
  const account = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
  const handle = event.pathParameters?.order_handle ?? '';
  if (!(await knownAccount(account))) return { statusCode: 401, body: '{}' };
  const query = event.queryStringParameters ?? {};
  const pk = `${account}#${handle}`;
  let type = query.type ?? '';
  let typeIndex = Number(query.type_index);
  let attempt = Number(query.fulfillment_attempt);
  let routeHandle: unknown;
  const exact = query.type !== undefined && query.type_index !== undefined && query.fulfillment_attempt !== undefined;
  if (!exact) {
    const latestOnly = query.type !== undefined && query.type_index !== undefined;
    const prefix = query.type === undefined ? '' : latestOnly ? `${type}#${pad(typeIndex)}#` : `${type}#`;
    const page = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === '' ? {} : { ':prefix': prefix }) },
        ExpressionAttributeNames: { '#type': 'type' },
        ProjectionExpression: '#type, type_index, fulfillment_attempt, route_handle',
        ConsistentRead: true,
        ...(latestOnly ? { ScanIndexForward: false, Limit: 1 } : {}),
      }),
    );
    const item = latestOnly ? page.Items?.[0] : page.Items?.[page.Items.length - 1];
    if (item === undefined) return { statusCode: 404, body: '{}' };
    type = String(item.type);
    typeIndex = Number(item.type_index);
    attempt = Number(item.fulfillment_attempt);
    routeHandle = item.route_handle ?? null;
  }
  const key = { pk, sk: `${type}#${pad(typeIndex)}#${pad(attempt)}` };
  const now = new Date();
  const completedAt = now.toISOString();
  const eventId = createHash('sha256')
    .update(JSON.stringify(['OrderCompleted', account, handle, type, typeIndex, attempt, completedAt]))
    .digest('hex')
    .slice(0, 32);
  const timelineEvent = {
    type: 'order_completed',
    recorded_at: completedAt,
    order_handle: handle,
    ...(exact ? {} : { route_handle: routeHandle }),
    order_type: type,
    fulfillment_attempt: attempt,
  };
  const completed = await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression:
        'SET #status = :completed, completed_at = :completed_at, pending_event = :pending_event, ' +
        // The outbox marker's keys in the sparse pending-events index (the relay's), as the subject writes them.
        'pending_shard = :pending_shard, pending_since = :pending_since, ' +
        'timeline = list_append(if_not_exists(timeline, :no_events), :events)',
      ConditionExpression: `attribute_exists(pk) AND #status IN (${COMPLETABLE.map((_, i) => `:s${i}`).join(', ')}) AND NOT attribute_type(timeline, :null_type)`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':completed': 'completed',
        ':completed_at': completedAt,
        ':no_events': [],
        ':null_type': 'NULL',
        ':events': [timelineEvent],
        ':pending_event': { event_id: eventId, since: completedAt, lease_until: now.getTime() + 10_000 },
        ':pending_shard': pendingShard(eventId),
        ':pending_since': completedAt,
        ...Object.fromEntries(COMPLETABLE.map((status, i) => [`:s${i}`, status])),
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
  const order: Record<string, unknown> = completed.Attributes ?? {};
  const metadata = isObject(order.metadata) ? order.metadata : null;
  const metadataFits = metadata === null || Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES;
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: source,
          DetailType: 'OrderCompleted',
          Time: now,
          Detail: JSON.stringify({
            version: '1',
            event_id: eventId,
            account_id: account,
            order_handle: handle,
            type,
            type_index: typeIndex,
            fulfillment_attempt: attempt,
            status: 'completed',
            completed_at: completedAt,
            route_handle: bounded(order.route_handle, MAX_REFERENCE_LENGTH),
            worker_handle: bounded(order.worker_handle, MAX_REFERENCE_LENGTH),
            device_id: bounded(order.device_id, MAX_REFERENCE_LENGTH),
            metadata: metadataFits ? metadata : null,
            ...(metadataFits ? {} : { metadata_truncated: true }),
            share_url: bounded(order.share_url, MAX_SHARE_URL_LENGTH),
            destination: isObject(order.destination) ? order.destination : null,
          }),
        },
      ],
    }),
  );
  const timeline = Array.isArray(order.timeline) ? (order.timeline as Record<string, unknown>[]) : [];
  const index = timeline.length - 1;
  const filledRoute = typeof order.route_handle === 'string' ? order.route_handle : null;
  const fill = `timeline[${index}]`;
  await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: exact
        ? `REMOVE pending_event, pending_shard, pending_since SET ${fill}.route_handle = :route_handle`
        : 'REMOVE pending_event, pending_shard, pending_since',
      ConditionExpression: exact
        ? `attribute_exists(pk) AND pending_event.event_id = :event_id AND ${fill}.#event_type = :completed_event AND ${fill}.recorded_at = :completed_event_at`
        : 'attribute_exists(pk) AND pending_event.event_id = :event_id',
      ...(exact ? { ExpressionAttributeNames: { '#event_type': 'type' } } : {}),
      ExpressionAttributeValues: {
        ':event_id': eventId,
        ...(exact
          ? { ':route_handle': filledRoute, ':completed_event': 'order_completed', ':completed_event_at': completedAt }
          : {}),
      },
    }),
  );
  if (exact && timeline[index] !== undefined) timeline[index] = { ...timeline[index], route_handle: filledRoute };
  delete order.pk;
  delete order.sk;
  delete order.account_id;
  delete order.pending_event;
  delete order.pending_shard;
  delete order.pending_since;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) };
};
