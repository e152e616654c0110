import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDynamoDbClient, createEventBridgeClient, toDocumentClient } from '../adapters/aws-clients';
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

const pad = (value: number) => value.toString().padStart(10, '0');
const COMPLETABLE = ['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'];

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const authorization = event.headers.authorization ?? '';
  const account = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
  const handle = event.pathParameters?.order_handle ?? '';
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
  const eventId = `${pk}|${key.sk}|${completedAt}`;
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
            route_handle: order.route_handle ?? null,
            worker_handle: order.worker_handle ?? null,
            device_id: order.device_id ?? null,
            metadata: order.metadata ?? null,
            share_url: order.share_url ?? null,
            destination: order.destination ?? null,
          }),
        },
      ],
    }),
  );
  const timeline = Array.isArray(order.timeline) ? order.timeline : [];
  const index = timeline.length - 1;
  await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: exact
        ? `REMOVE pending_event, pending_shard, pending_since SET timeline[${index}].route_handle = :route_handle`
        : 'REMOVE pending_event, pending_shard, pending_since',
      ConditionExpression: 'attribute_exists(pk) AND pending_event.event_id = :event_id',
      ExpressionAttributeValues: {
        ':event_id': eventId,
        ...(exact ? { ':route_handle': order.route_handle ?? null } : {}),
      },
    }),
  );
  delete order.pk;
  delete order.sk;
  delete order.account_id;
  delete order.pending_event;
  delete order.pending_shard;
  delete order.pending_since;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) };
};
