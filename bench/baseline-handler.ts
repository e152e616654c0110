import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDynamoDbClient, createEventBridgeClient, toDocumentClient } from '../adapters/aws-clients';
import { pendingShard } from '../adapters/dynamodb/keys';
import { TRACK_APART } from '../adapters/dynamodb/track-chunks';
import { encodeResponse } from '../handlers/http/compression';
import { readRecords, readTrack } from './baseline-track';

/**
 * The bench's baseline: the least a handler can do to make the same AWS calls as the service, with the same SDK
 * clients built the same way (adapters/aws-clients.ts), and nothing else: no middy, zod, auth, logging, metrics,
 * tracing or error mapping. Happy path only (the bench completes only completable orders). It is bundled with the
 * service's own esbuild options, so the ratios compare like with like.
 *   exact record named: UpdateItem (complete) -> PutEvents (1 entry) -> UpdateItem (clear pending, set route_handle)
 *   otherwise:          Query (consistent)    -> UpdateItem (complete) -> PutEvents -> UpdateItem (clear pending)
 * In the service's layout (adapters/dynamodb/track-store.ts): a long track lives in chunk items after the order
 * records, read as ./baseline-track.ts says (with the records on a plain POST, the rest alongside the completing
 * write; after the write on the exact path); an answer over 64 KB goes gzip-compressed as the service sends it (a
 * Lambda answer is at most 6 MB, so a baseline that did not would not be deployable for long trips).
 */
const region = process.env.AWS_REGION ?? 'us-east-1';
const table = process.env.ORDERS_TABLE_NAME ?? '';
const busName = process.env.EVENT_BUS_NAME ?? '';
const source = process.env.EVENT_SOURCE ?? '';
const endpointOf = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
const dynamo = toDocumentClient(createDynamoDbClient({ region, endpoint: endpointOf(process.env.DYNAMODB_ENDPOINT) }));
const events = createEventBridgeClient({ region, endpoint: endpointOf(process.env.EVENTBRIDGE_ENDPOINT) });
const accountsTable = process.env.ACCOUNTS_TABLE_NAME ?? '';
const cacheMs = Number(process.env.ACCOUNTS_CACHE_SECONDS ?? 60) * 1000;
const accounts = new Map<string, { known: boolean; expiresAt: number }>();

/** The deployed credential store, read on a cache miss as the service reads it (one consistent GetItem; no hash check). */
const knownAccount = async (account: string): Promise<boolean> => {
  const cached = accounts.get(account);
  if (cached !== undefined && cached.expiresAt > Date.now()) return cached.known;
  const readAt = Date.now();
  const output = await dynamo.send(
    new GetCommand({ TableName: accountsTable, Key: { account_id: account }, ConsistentRead: true }),
  );
  accounts.set(account, { known: output.Item !== undefined, expiresAt: readAt + cacheMs });
  return output.Item !== undefined;
};

// The event detail's bounds (the API's: domain/order-fields.ts), applied as the service applies them.
const MAX_REFERENCE_LENGTH = 256;
const MAX_SHARE_URL_LENGTH = 2048;
const MAX_METADATA_BYTES = 4096;
const bounded = (value: unknown, max: number) => (typeof value === 'string' && value.length <= max ? value : null);
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

const pad = (value: number) => value.toString().padStart(10, '0');
const COMPLETABLE = ['unplanned', 'planned', 'assigned', 'dispatched', 'ongoing'];

/** The record a request names: given whole, or found by a Query (the latest attempt when type_index is given). */
interface Target {
  account: string;
  handle: string;
  pk: string;
  type: string;
  typeIndex: number;
  attempt: number;
  exact: boolean;
  routeHandle: unknown;
  /** The records' read found the track stored apart: reads it (the exact path learns it from the write). */
  track: (() => Promise<unknown[]>) | undefined;
}

const findTarget = async (event: APIGatewayProxyEventV2, account: string): Promise<Target | undefined> => {
  const handle = event.pathParameters?.order_handle ?? '';
  const query = event.queryStringParameters ?? {};
  const pk = `${account}#${handle}`;
  const type = query.type ?? '';
  const typeIndex = Number(query.type_index);
  const exact = query.type !== undefined && query.type_index !== undefined && query.fulfillment_attempt !== undefined;
  if (exact) {
    return {
      account,
      handle,
      pk,
      type,
      typeIndex,
      attempt: Number(query.fulfillment_attempt),
      exact,
      routeHandle: null,
      track: undefined,
    };
  }
  const latestOnly = query.type !== undefined && query.type_index !== undefined;
  const prefix = query.type === undefined ? '' : latestOnly ? `${type}#${pad(typeIndex)}#` : `${type}#`;
  const { records, trackOf } = await readRecords(dynamo, table, pk, prefix, latestOnly);
  const item = latestOnly ? records[0] : records[records.length - 1];
  if (item === undefined) return undefined;
  const found = {
    type: String(item.type),
    typeIndex: Number(item.type_index),
    attempt: Number(item.fulfillment_attempt),
  };
  const sk = `${found.type}#${pad(found.typeIndex)}#${pad(found.attempt)}`;
  return {
    account,
    handle,
    pk,
    ...found,
    exact,
    routeHandle: item.route_handle ?? null,
    track: item[TRACK_APART] === true ? () => trackOf(sk) : undefined,
  };
};

const keyOf = (target: Target) => ({
  pk: target.pk,
  sk: `${target.type}#${pad(target.typeIndex)}#${pad(target.attempt)}`,
});

/** The completed record with its track back in place (a track read alongside the write, or after it). */
const withTrack = async (
  target: Target,
  order: Record<string, unknown>,
  early: Promise<unknown[]> | undefined,
): Promise<Record<string, unknown>> => {
  if (order[TRACK_APART] !== true) return order;
  const { [TRACK_APART]: _apart, ...rest } = order;
  return {
    ...rest,
    polyline: {
      type: 'LineString',
      coordinates: await (early ?? readTrack(dynamo, table, target.pk, keyOf(target).sk)),
    },
  };
};

/** The completing write: status, completion time, outbox marker (with its index keys), timeline event. */
const completeWrite = async (target: Target, now: Date, eventId: string): Promise<Record<string, unknown>> => {
  const completedAt = now.toISOString();
  const timelineEvent = {
    type: 'order_completed',
    recorded_at: completedAt,
    order_handle: target.handle,
    ...(target.exact ? {} : { route_handle: target.routeHandle }),
    order_type: target.type,
    fulfillment_attempt: target.attempt,
  };
  const completed = await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: keyOf(target),
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
  return completed.Attributes ?? {};
};

const publish = async (target: Target, order: Record<string, unknown>, now: Date, eventId: string): Promise<void> => {
  const metadata = isObject(order.metadata) ? order.metadata : null;
  const metadataFits = metadata === null || Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES;
  const detail = {
    version: '1',
    event_id: eventId,
    account_id: target.account,
    order_handle: target.handle,
    type: target.type,
    type_index: target.typeIndex,
    fulfillment_attempt: target.attempt,
    status: 'completed',
    completed_at: now.toISOString(),
    route_handle: bounded(order.route_handle, MAX_REFERENCE_LENGTH),
    worker_handle: bounded(order.worker_handle, MAX_REFERENCE_LENGTH),
    device_id: bounded(order.device_id, MAX_REFERENCE_LENGTH),
    metadata: metadataFits ? metadata : null,
    ...(metadataFits ? {} : { metadata_truncated: true }),
    share_url: bounded(order.share_url, MAX_SHARE_URL_LENGTH),
    destination: isObject(order.destination) ? order.destination : null,
  };
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: source,
          DetailType: 'OrderCompleted',
          Time: now,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
};

/** Clears the outbox marker; on the exact path also fills the completion event's route_handle, checked as its own. */
const clearPending = async (target: Target, order: Record<string, unknown>, now: Date, eventId: string) => {
  const timeline = Array.isArray(order.timeline) ? (order.timeline as Record<string, unknown>[]) : [];
  const index = timeline.length - 1;
  const routeHandle = typeof order.route_handle === 'string' ? order.route_handle : null;
  const fill = `timeline[${index}]`;
  await dynamo.send(
    new UpdateCommand({
      TableName: table,
      Key: keyOf(target),
      UpdateExpression: target.exact
        ? `REMOVE pending_event, pending_shard, pending_since SET ${fill}.route_handle = :route_handle`
        : 'REMOVE pending_event, pending_shard, pending_since',
      ConditionExpression: target.exact
        ? `attribute_exists(pk) AND pending_event.event_id = :event_id AND ${fill}.#event_type = :completed_event AND ${fill}.recorded_at = :completed_event_at`
        : 'attribute_exists(pk) AND pending_event.event_id = :event_id',
      ...(target.exact ? { ExpressionAttributeNames: { '#event_type': 'type' } } : {}),
      ExpressionAttributeValues: {
        ':event_id': eventId,
        ...(target.exact
          ? {
              ':route_handle': routeHandle,
              ':completed_event': 'order_completed',
              ':completed_event_at': now.toISOString(),
            }
          : {}),
      },
    }),
  );
  if (target.exact && timeline[index] !== undefined)
    timeline[index] = { ...timeline[index], route_handle: routeHandle };
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const authorization = event.headers.authorization ?? '';
  const account = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
  if (!(await knownAccount(account))) return { statusCode: 401, body: '{}' };
  const target = await findTarget(event, account);
  if (target === undefined) return { statusCode: 404, body: '{}' };
  const now = new Date();
  const eventId = createHash('sha256')
    .update(
      JSON.stringify([
        'OrderCompleted',
        account,
        target.handle,
        target.type,
        target.typeIndex,
        target.attempt,
        now.toISOString(),
      ]),
    )
    .digest('hex')
    .slice(0, 32);
  const early = target.track?.();
  early?.catch(() => undefined);
  const order = await withTrack(target, await completeWrite(target, now, eventId), early);
  await publish(target, order, now, eventId);
  await clearPending(target, order, now, eventId);
  for (const internal of ['pk', 'sk', 'account_id', 'pending_event', 'pending_shard', 'pending_since']) {
    delete order[internal];
  }
  return encodeResponse(
    { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) },
    event.headers['accept-encoding'],
  );
};
