// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import '../support/env';
import { afterAll, describe, expect, test } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { orderCompletedEventId } from '../../../domain/order-completed-event';
import { ORDER_FIELDS, codePointLength } from '../../../domain/order-fields';
import type { AccountOrder } from '../../../domain/order';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  anOrder,
  connect,
  mustGetItem,
  orderKey,
  uniqueHandle,
  type RawItem,
} from '../support/dynamo';
import { localCredentials } from '../support/credentials';
import { makeDeps, RecordingPublisher } from '../../support/fakes';
import {
  LOCAL_AUTH,
  OTHER_AUTH,
  basic,
  completeEvent,
  lambdaContext,
  parseResponse,
  type ParsedResponse,
  type RequestOptions,
} from '../support/http';

/**
 * The whole Lambda (middy, logger context, error mapping, Basic auth, request checks, use case) with
 * the real DynamoDB store on DynamoDB Local, the checked-in local accounts file and a recording publisher.
 */
const dynamo = connect();
afterAll(() => dynamo.destroy());

const credentials = localCredentials();
const logger = new Logger({ serviceName: 'orders-complete-integration', logLevel: 'SILENT' });

const buildHandler = (publisher = new RecordingPublisher()) => {
  const { deps } = makeDeps(dynamo.store, { publisher });
  const handler = createCompleteOrderHandler(deps, credentials, logger);
  return {
    publisher,
    invoke: async (event: APIGatewayProxyEventV2): Promise<ParsedResponse> =>
      parseResponse(await handler(event, lambdaContext() as AuthenticatedContext)),
  };
};

const JSON_EMPTY: RequestOptions = { authorization: LOCAL_AUTH, body: '{}', contentType: 'application/json' };

const seed = async (order: AccountOrder): Promise<RawItem> => {
  await dynamo.seeder.putOrders([order]);
  return mustGetItem(dynamo.client, order);
};

describe('200', () => {
  test('completes the order and answers it in the API shape; a repeat answers the same order', async () => {
    const order = anOrder({ order_handle: uniqueHandle('http-ok'), status: 'ongoing' });
    await seed(order);
    const { invoke, publisher } = buildHandler();

    const response = await invoke(completeEvent(order.order_handle, JSON_EMPTY));

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const stored = await mustGetItem(dynamo.client, order);
    expect(stored.status).toBe('completed');
    const { pk: _pk, sk: _sk, account_id: _account, ...apiFields } = stored;
    expect(response.body).toEqual(apiFields);
    expect(Object.keys(response.body).every((field) => ORDER_FIELDS.includes(field))).toBe(true);
    expect(response.body.status).toBe('completed');
    expect(response.body.completed_at).toBe(stored.completed_at);
    expect(publisher.published.map((detail) => detail.event_id)).toEqual([
      orderCompletedEventId(orderKey(order), stored.completed_at as string),
    ]);

    const again = await invoke(completeEvent(order.order_handle, { authorization: LOCAL_AUTH }));
    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual(response.body);
    expect(await mustGetItem(dynamo.client, order)).toEqual(stored);
    expect(publisher.attempts).toHaveLength(1);
  });

  test.each([
    ['no body at all', { authorization: LOCAL_AUTH }],
    ['an empty body', { authorization: LOCAL_AUTH, body: '' }],
    [
      '{} base64-encoded',
      {
        authorization: LOCAL_AUTH,
        body: Buffer.from('{}').toString('base64'),
        isBase64Encoded: true,
        contentType: 'application/json; charset=utf-8',
      },
    ],
    ['a vendor +json type', { authorization: LOCAL_AUTH, body: ' { } ', contentType: 'application/merge-patch+json' }],
    ['a lower-case scheme and extra spaces', { authorization: `  basic ${LOCAL_AUTH.slice('Basic '.length)}  ` }],
  ] as const)('accepted with %s', async (_label, options: RequestOptions) => {
    const order = anOrder({ order_handle: uniqueHandle('http-variants'), status: 'planned' });
    await seed(order);
    const { invoke } = buildHandler();
    const response = await invoke(completeEvent(order.order_handle, options));
    expect(response.statusCode).toBe(200);
    expect((await mustGetItem(dynamo.client, order)).status).toBe('completed');
  });

  test('an awkward handle and the exact selector in the query string reach exactly that record', async () => {
    const handle = `${uniqueHandle('http')}/a%2Fb#pick#0000000000?x=订单🚚`;
    const target = anOrder({
      order_handle: handle,
      status: 'dispatched',
      type: 'drop',
      type_index: 2,
      fulfillment_attempt: 1,
    });
    const sibling = anOrder({
      order_handle: handle,
      status: 'dispatched',
      type: 'drop',
      type_index: 2,
      fulfillment_attempt: 0,
    });
    const siblingBefore = await seed(sibling);
    await seed(target);
    const { invoke } = buildHandler();

    const response = await invoke(
      completeEvent(handle, { ...JSON_EMPTY, rawQueryString: 'type=drop&type_index=2&fulfillment_attempt=1' }),
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      order_handle: handle,
      type: 'drop',
      type_index: 2,
      fulfillment_attempt: 1,
      status: 'completed',
    });
    expect(await mustGetItem(dynamo.client, sibling)).toEqual(siblingBefore);
  });
});

describe('domain refusals', () => {
  test('404 for another account’s order (and nothing written to it)', async () => {
    const theirs = anOrder({ account_id: OTHER_ACCOUNT, order_handle: uniqueHandle('http-theirs'), status: 'ongoing' });
    const before = await seed(theirs);
    const { invoke, publisher } = buildHandler();

    const response = await invoke(completeEvent(theirs.order_handle, JSON_EMPTY));

    expect(response).toMatchObject({ statusCode: 404, body: { message: 'Order not found', detail: {} } });
    expect(await mustGetItem(dynamo.client, theirs)).toEqual(before);
    expect(publisher.attempts).toEqual([]);

    // Its owner can complete it.
    const owner = await invoke(completeEvent(theirs.order_handle, { ...JSON_EMPTY, authorization: OTHER_AUTH }));
    expect(owner.statusCode).toBe(200);
  });

  test('404 for a handle nobody has', async () => {
    const { invoke } = buildHandler();
    const response = await invoke(completeEvent(uniqueHandle('http-nobody'), JSON_EMPTY));
    expect(response).toMatchObject({ statusCode: 404, body: { message: 'Order not found', detail: {} } });
  });

  test.each(['cancelled', 'disabled'] as const)('409 for a %s order, naming its status', async (status) => {
    const order = anOrder({ order_handle: uniqueHandle(`http-${status}`), status });
    const before = await seed(order);
    const { invoke, publisher } = buildHandler();

    const response = await invoke(completeEvent(order.order_handle, JSON_EMPTY));

    expect(response.statusCode).toBe(409);
    expect(response.body).toEqual({ message: `Order is ${status} and cannot be completed`, detail: { status } });
    expect(await mustGetItem(dynamo.client, order)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });

  test('422 for a pick+drop handle without type, naming `type`; with ?type=drop it completes the drop part', async () => {
    const handle = uniqueHandle('http-ambiguous');
    const pick = anOrder({ order_handle: handle, type: 'pick', status: 'ongoing' });
    const drop = anOrder({ order_handle: handle, type: 'drop', status: 'ongoing' });
    const pickBefore = await seed(pick);
    const dropBefore = await seed(drop);
    const { invoke } = buildHandler();

    const ambiguous = await invoke(completeEvent(handle, JSON_EMPTY));

    expect(ambiguous.statusCode).toBe(422);
    expect(ambiguous.body).toEqual({
      message: 'Validation error',
      detail: { query: { type: [expect.stringContaining('drop and pick')] } },
    });
    expect(await mustGetItem(dynamo.client, pick)).toEqual(pickBefore);
    expect(await mustGetItem(dynamo.client, drop)).toEqual(dropBefore);

    const narrowed = await invoke(completeEvent(handle, { ...JSON_EMPTY, rawQueryString: 'type=drop' }));
    expect(narrowed.statusCode).toBe(200);
    expect(narrowed.body.type).toBe('drop');
    expect(await mustGetItem(dynamo.client, pick)).toEqual(pickBefore);
  });
});

describe('the event cannot be published: the write stands, 200', () => {
  test('answers 200 with the completed order, keeps its event pending (lease released); the retry answers the same and publishes it once', async () => {
    const order = anOrder({ order_handle: uniqueHandle('http-publish-fails'), status: 'assigned' });
    await seed(order);
    const publisher = new RecordingPublisher().failing();
    const { invoke } = buildHandler(publisher);

    const failed = await invoke(completeEvent(order.order_handle, JSON_EMPTY));

    expect(failed.statusCode).toBe(200);
    expect(failed.headers['retry-after']).toBeUndefined();
    const pending = await mustGetItem(dynamo.client, order);
    expect(pending.status).toBe('completed');
    expect(pending.pending_event).toMatchObject({ lease_until: 0 });
    const { pk: _pk, sk: _sk, account_id: _account, pending_event: _event, ...apiFields } = pending;
    const { pending_shard: _shard, pending_since: _since, ...expectedBody } = apiFields;
    expect(failed.body).toEqual(expectedBody);

    publisher.working();
    const retried = await invoke(completeEvent(order.order_handle, JSON_EMPTY));
    expect(retried.statusCode).toBe(200);
    expect(retried.body).toEqual(failed.body);
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]?.event_id).toBe((pending.pending_event as { event_id: string }).event_id);
    expect(Object.hasOwn(await mustGetItem(dynamo.client, order), 'pending_event')).toBe(false);
  });
});

describe('bad requests never write', () => {
  const bigBody = JSON.stringify({ padding: 'x'.repeat(17 * 1024) });
  const cases: [label: string, status: number, options: RequestOptions, body: Record<string, unknown>][] = [
    [
      'no Authorization header',
      401,
      { body: '{}', contentType: 'application/json' },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'a wrong secret',
      401,
      { ...JSON_EMPTY, authorization: basic(ACCOUNT, 'wrong-secret') },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'another account’s secret',
      401,
      { ...JSON_EMPTY, authorization: basic(ACCOUNT, 'other-secret') },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'an unknown account',
      401,
      { ...JSON_EMPTY, authorization: basic('nobody', 'local-secret') },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'a Bearer token',
      401,
      { ...JSON_EMPTY, authorization: 'Bearer local-secret' },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'undecodable Basic credentials',
      401,
      { ...JSON_EMPTY, authorization: 'Basic !!!' },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'bad auth AND a bad query (auth first)',
      401,
      { ...JSON_EMPTY, authorization: undefined, rawQueryString: 'bogus=1' },
      { message: 'Authentication error', detail: {} },
    ],
    [
      'a misspelt query parameter',
      422,
      { ...JSON_EMPTY, rawQueryString: 'fulfilment_attempt=0' },
      {
        message: 'Validation error',
        detail: { query: { fulfilment_attempt: [expect.stringContaining('unknown query parameter')] } },
      },
    ],
    [
      'an unknown type',
      422,
      { ...JSON_EMPTY, rawQueryString: 'type=parcel' },
      { message: 'Validation error', detail: { query: { type: ['must be one of: pick, drop'] } } },
    ],
    [
      'a repeated parameter',
      422,
      { ...JSON_EMPTY, rawQueryString: 'type=pick&type=pick' },
      { message: 'Validation error', detail: { query: { type: ['must be given at most once'] } } },
    ],
    [
      'a negative type_index',
      422,
      { ...JSON_EMPTY, rawQueryString: 'type_index=-1' },
      { message: 'Validation error', detail: { query: { type_index: [expect.any(String)] } } },
    ],
    [
      'an index over the maximum',
      422,
      { ...JSON_EMPTY, rawQueryString: 'fulfillment_attempt=2147483648' },
      { message: 'Validation error', detail: { query: { fulfillment_attempt: [expect.any(String)] } } },
    ],
    [
      'a body with fields',
      422,
      { ...JSON_EMPTY, body: '{"status":"completed"}' },
      { message: 'Validation error', detail: { json: { status: ['unknown field'] } } },
    ],
    [
      'malformed JSON',
      422,
      { ...JSON_EMPTY, body: '{' },
      { message: 'Validation error', detail: { json: { body: ['malformed JSON'] } } },
    ],
    [
      'a JSON array',
      422,
      { ...JSON_EMPTY, body: '[]' },
      { message: 'Validation error', detail: { json: { body: [expect.any(String)] } } },
    ],
    [
      'a non-JSON content type',
      415,
      { ...JSON_EMPTY, contentType: 'text/plain' },
      { message: 'Unsupported media type', detail: { content_type: ['must be application/json'] } },
    ],
    [
      'a body without content type',
      415,
      { ...JSON_EMPTY, contentType: undefined },
      { message: 'Unsupported media type', detail: { content_type: ['must be application/json'] } },
    ],
    [
      'a body over 16 KiB',
      413,
      { ...JSON_EMPTY, body: bigBody },
      { message: 'Request body too large', detail: { max_bytes: 16384 } },
    ],
  ];

  test.each(cases)('%s -> %i', async (_label, status, options, body) => {
    const order = anOrder({ order_handle: uniqueHandle('http-bad'), status: 'ongoing' });
    const before = await seed(order);
    const { invoke, publisher } = buildHandler();

    const response = await invoke(completeEvent(order.order_handle, options));

    expect(response.statusCode).toBe(status);
    expect(response.body).toEqual(body);
    if (status === 401) expect(response.headers['www-authenticate']).toBe('Basic realm="orders", charset="UTF-8"');
    expect(await mustGetItem(dynamo.client, order)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });

  test('an empty or over-long path handle: 422 on path.order_handle, nothing written', async () => {
    const { invoke } = buildHandler();
    const base = uniqueHandle('long');
    const longest = `${base}${'🚚'.repeat(256 - codePointLength(base))}`;
    const tooLong = `${longest}🚚`;
    const neighbour = anOrder({ order_handle: longest, status: 'ongoing' });
    const before = await seed(neighbour);

    for (const handle of ['', tooLong]) {
      const response = await invoke(completeEvent(handle, JSON_EMPTY));
      expect(response.statusCode).toBe(422);
      expect(response.body).toEqual({
        message: 'Validation error',
        detail: { path: { order_handle: [expect.any(String)] } },
      });
    }
    expect(await mustGetItem(dynamo.client, neighbour)).toEqual(before);
  });
});
