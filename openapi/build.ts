import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { ALREADY_COMPLETED_STATUSES, REFUSING_STATUSES } from '../domain/completion-rules';
import { orderSchema } from '../domain/order';
import { ERROR_BODY_SCHEMAS, type ErrorBody, type ErrorStatus } from '../handlers/http/error-bodies';
import { RETRY_AFTER_SECONDS } from '../handlers/http/error-mapper';
import { WWW_AUTHENTICATE } from '../handlers/http/http-error';
import { GZIP_THRESHOLD_BYTES } from '../handlers/http/compression';
import { MAX_BODY_BYTES, bodySchema, pathSchema, querySchema } from '../handlers/http/complete-order-request';
import { MAX_HANDLE_CODE_POINTS } from '../domain/order-fields';
import { z as zm } from '../domain/zod-mini';
import completedOrderExample from './examples/completed-order.json';

/**
 * The API's OpenAPI 3.1 document, built from the zod schemas the handler validates and answers with
 * (request: handlers/http/complete-order-request.ts; 200: domain/order.ts; errors: handlers/http/error-bodies.ts).
 * `npm run openapi` writes it to openapi/openapi.json; a unit test fails when that file drifts from this.
 * Examples: the 200 is the API page's example verbatim; error examples are this service's real bodies.
 */

const retryAfter = z
  .string()
  .regex(/^[0-9]{1,5}$/)
  .max(5)
  .meta({ description: 'Seconds to wait before retrying (delay-seconds)', example: RETRY_AFTER_SECONDS });

/**
 * Bounds the request schemas enforce in code that JSON Schema cannot read from them (refines, a regex), stated for
 * callers and linters. JSON Schema's maxLength counts code points, as the handle's bound does.
 */
const documentedPath = zm.extend(pathSchema, {
  order_handle: pathSchema.shape.order_handle.check(zm.meta({ minLength: 1, maxLength: MAX_HANDLE_CODE_POINTS })),
});
const documentedQuery = zm.extend(querySchema, {
  type_index: querySchema.shape.type_index.check(zm.meta({ maxLength: 10 })),
  fulfillment_attempt: querySchema.shape.fulfillment_attempt.check(zm.meta({ maxLength: 10 })),
});

const ORDERS_TAG = 'Orders';
const DOCUMENT_TAG = 'API document';
/** What handlers/openapi.ts sends with the document. */
const DOCUMENT_CACHE_CONTROL = 'public, max-age=300';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Every integer says its width: int32 when its bounds fit (indexes are at most 2^31-1), int64 otherwise. */
const integerFormat = ({
  jsonSchema,
}: {
  jsonSchema: { type?: unknown; format?: unknown; minimum?: unknown; maximum?: unknown };
}) => {
  if (jsonSchema.type !== 'integer' || jsonSchema.format !== undefined) return;
  const { minimum, maximum } = jsonSchema;
  const int32 =
    typeof minimum === 'number' && typeof maximum === 'number' && minimum >= INT32_MIN && maximum <= INT32_MAX;
  jsonSchema.format = int32 ? 'int32' : 'int64';
};

const wwwAuthenticate = z
  .literal(WWW_AUTHENTICATE)
  .meta({ description: 'The Basic challenge, on every 401', example: WWW_AUTHENTICATE });

const errorResponse = <S extends ErrorStatus>(
  status: S,
  description: string,
  examples: Record<string, { summary: string; value: ErrorBody<S> }>,
  headers?: z.ZodObject,
): ZodOpenApiResponseObject => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/json': { schema: ERROR_BODY_SCHEMAS[status], examples } },
});

/** API Gateway's own body when the stage's throttling refuses a request; not the service's shape. */
const throttledBody = z
  .strictObject({ message: z.literal('Too Many Requests') })
  .meta({ id: 'ThrottledError', description: "API Gateway's throttling response (not the service's error shape)" });

const completedOrder = orderSchema.meta({
  id: 'Order',
  description: 'The order, as on the API page (fields in its order); everything but the identity may be absent or null',
});

/** The document itself, as GET /openapi.json serves it: typed enough for a client to read its version and paths. */
const openApiDocumentBody = z
  .looseObject({
    openapi: z.string().meta({ example: '3.1.0' }),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.looseObject({})),
  })
  .meta({ id: 'OpenApiDocument', description: 'This OpenAPI 3.1 document (openapi/openapi.json)' });

const throttled: ZodOpenApiResponseObject = {
  description: 'Over the stage’s throttling limit (answered by API Gateway, before the service)',
  content: {
    'application/json': {
      schema: throttledBody,
      examples: { throttled: { summary: 'Throttled', value: { message: 'Too Many Requests' } } },
    },
  },
};

const getOpenApiOperation: ZodOpenApiOperationObject = {
  operationId: 'getOpenApiDocument',
  summary: 'This API document',
  description: 'The committed OpenAPI document (openapi/openapi.json), public like the API page it mirrors.',
  tags: [DOCUMENT_TAG],
  security: [],
  responses: {
    '200': {
      description: 'The document',
      headers: z.object({
        'Cache-Control': z
          .literal(DOCUMENT_CACHE_CONTROL)
          .meta({ description: 'Caches may keep it for 5 minutes', example: DOCUMENT_CACHE_CONTROL }),
      }),
      content: { 'application/json': { schema: openApiDocumentBody } },
    },
    '429': throttled,
  },
};

const completeOrderOperation: ZodOpenApiOperationObject = {
  operationId: 'completeOrder',
  summary: 'Complete Order',
  description:
    'Complete an order identified by the given order_handle. The query narrows the handle’s records ' +
    '(type, type_index, fulfillment_attempt); without fulfillment_attempt the latest attempt counts.',
  tags: [ORDERS_TAG],
  requestParams: {
    path: documentedPath,
    query: documentedQuery,
    header: z.object({
      'Accept-Encoding': z
        .string()
        .max(1024)
        .optional()
        .meta({
          description:
            `Content codings the caller takes (RFC 9110). A 200 answer over ${GZIP_THRESHOLD_BYTES} bytes is ` +
            'gzip-compressed when gzip is acceptable; without this header every coding is acceptable. Refusing gzip ' +
            'for an answer too large to send uncompressed (over 6 MB, a trip of about 40 000 points) answers 406.',
          example: 'gzip',
        }),
    }),
  },
  requestBody: {
    required: false,
    description: `None, or a JSON object with no fields (at most ${MAX_BODY_BYTES} bytes)`,
    content: { 'application/json': { schema: bodySchema, example: {} } },
  },
  responses: {
    '200': {
      // The idempotency rule (domain/completion-rules.ts).
      description: `Completed now, or already ${ALREADY_COMPLETED_STATUSES.join('/')} (nothing written, no new event): the order`,
      headers: z.object({
        'Content-Encoding': z
          .literal('gzip')
          .optional()
          .meta({
            description: `Present when the answer (over ${GZIP_THRESHOLD_BYTES} bytes) is gzip-compressed`,
            example: 'gzip',
          }),
      }),
      content: {
        'application/json': {
          schema: completedOrder,
          examples: { completed: { summary: 'The API page’s example', value: completedOrderExample } },
        },
      },
    },
    '401': errorResponse(
      401,
      'Authorization missing or malformed, another scheme, unknown account or wrong secret',
      {
        unauthenticated: {
          summary: 'Any authentication failure',
          value: { message: 'Authentication error', detail: {} },
        },
      },
      z.object({ 'WWW-Authenticate': wwwAuthenticate }),
    ),
    '404': errorResponse(404, 'No order record matches, or the order belongs to another account', {
      notFound: { summary: 'No such order', value: { message: 'Order not found', detail: {} } },
    }),
    // handlers/http/compression.ts: the answer cannot be sent in a coding the caller takes.
    '406': errorResponse(
      406,
      'The order IS completed (its event published once), but its answer is too large to send uncompressed and the ' +
        'request refused gzip; repeating the request with gzip accepted answers 200 with the order (nothing written ' +
        'again, no new event)',
      {
        responseTooLarge: {
          summary: 'A very long trip, gzip refused',
          value: {
            message:
              'The order is completed, but the answer is too large to send uncompressed; repeat the request with Accept-Encoding: gzip to receive it',
            detail: { reason: 'response_too_large', body_bytes: 7_800_000, accept_encoding: ['gzip'] },
          },
        },
      },
    ),
    // The refusal rule (domain/completion-rules.ts) and the item size limit.
    '409': errorResponse(409, `The order is ${REFUSING_STATUSES.join(' or ')}, or too large to record its completion`, {
      cancelled: {
        summary: 'A cancelled order',
        value: { message: 'Order is cancelled and cannot be completed', detail: { status: 'cancelled' } },
      },
      itemSizeLimit: {
        summary: 'Too close to the 400 KB item limit (nothing written)',
        value: {
          message: 'Order is too large to record its completion; trim it (e.g. its polyline) and retry',
          detail: { reason: 'item_size_limit' },
        },
      },
    }),
    '413': errorResponse(413, `Body over ${MAX_BODY_BYTES} bytes`, {
      tooLarge: {
        summary: 'Body too large',
        value: { message: 'Request body too large', detail: { max_bytes: MAX_BODY_BYTES } },
      },
    }),
    '415': errorResponse(415, 'A body with a content type other than JSON', {
      notJson: {
        summary: 'text/plain body',
        value: { message: 'Unsupported media type', detail: { content_type: ['must be application/json'] } },
      },
    }),
    '422': errorResponse(
      422,
      'Bad, unknown or repeated query parameter, bad handle, body with fields, malformed JSON; or several order parts match (detail.query names type / type_index)',
      {
        badQuery: {
          summary: 'A bad query parameter',
          value: { message: 'Validation error', detail: { query: { type: ['must be one of: pick, drop'] } } },
        },
        unknownQuery: {
          summary: 'A misspelt query parameter (never ignored)',
          value: {
            message: 'Validation error',
            detail: {
              query: {
                fulfilment_attempt: ['unknown query parameter; expected one of: type, type_index, fulfillment_attempt'],
              },
            },
          },
        },
        ambiguous: {
          summary: 'Pick and drop parts match: say which',
          value: {
            message: 'Validation error',
            detail: { query: { type: ['required: this order has drop and pick parts; say which one'] } },
          },
        },
      },
    ),
    '429': throttled,
    '500': errorResponse(500, 'Anything unexpected: a generic message, no internals', {
      internal: { summary: 'Unexpected error', value: { message: 'Internal server error', detail: {} } },
    }),
    '503': errorResponse(
      503,
      'DynamoDB (the orders or the accounts table) or EventBridge unavailable, throttled or too slow',
      {
        unavailable: {
          summary: 'A dependency is unavailable',
          value: { message: 'Service temporarily unavailable; retry later', detail: {} },
        },
      },
      z.object({ 'Retry-After': retryAfter }),
    ),
  },
};

export const buildOpenApiDocument = () =>
  createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'orders-complete',
        version: '1.0.0',
        description:
          'Complete an order identified by its order_handle. Completion is idempotent: completing an order that is ' +
          'already completed answers 200 with the stored order and writes nothing. Each transition publishes one ' +
          '`OrderCompleted` event on EventBridge (contract: contracts/order-completed.v1.schema.json, docs/events.md).',
        contact: { name: 'orders-complete maintainers (this repository’s issue tracker)' },
        license: { name: 'Proprietary (package.json: UNLICENSED)' },
      },
      servers: [{ url: '/', description: 'The stage this document is served from', 'x-internal': false }],
      tags: [
        { name: ORDERS_TAG, description: 'Order lifecycle: completing an order' },
        { name: DOCUMENT_TAG, description: 'This API document' },
      ],
      security: [{ basicAuth: [] }],
      components: {
        securitySchemes: {
          basicAuth: {
            type: 'http',
            scheme: 'basic',
            description: 'Authorization: Basic base64(account_id:secret)',
          },
        },
      },
      paths: {
        '/orders/{order_handle}/complete': { post: completeOrderOperation },
        '/openapi.json': { get: getOpenApiOperation },
      },
    },
    { override: integerFormat },
  );

/** The document as committed: 2-space JSON and a final newline (what Prettier leaves as is). */
export const renderOpenApiDocument = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
