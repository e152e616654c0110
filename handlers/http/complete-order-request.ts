import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FieldErrors } from '../../domain/errors';
import { MAX_ORDER_INDEX, ORDER_TYPES, orderHandleSchema } from '../../domain/order-fields';
import type { OrderSelector } from '../../domain/selection';
import * as z from '../../domain/zod-mini';
import { findHeader } from './headers';
import { HttpError, ValidationFailed, type ValidationDetail } from './http-error';

/**
 * The request contract of POST /orders/{order_handle}/complete, in one file:
 * path, query and body schemas and how a raw API Gateway HTTP API (v2) event is checked against them.
 */

export const MAX_BODY_BYTES = 16 * 1024;

export const pathSchema = z.object({
  order_handle: orderHandleSchema.check(
    z.meta({
      description: 'The order’s handle: 1 to 256 characters of Unicode text (percent-encode it in the path)',
      example: 'order-1',
    }),
  ),
});

const indexParam = z
  .pipe(z.string().check(z.regex(/^[0-9]{1,10}$/, 'must be a non-negative integer')), z.transform(Number))
  .check(z.refine((value) => value <= MAX_ORDER_INDEX, `must be at most ${MAX_ORDER_INDEX}`));
const indexParamDoc = (description: string) =>
  indexParam.check(z.meta({ description: `${description}: an integer from 0 to ${MAX_ORDER_INDEX}`, example: '0' }));

export const querySchema = z.strictObject({
  type: z.optional(
    z
      .enum(ORDER_TYPES, { error: 'must be one of: pick, drop' })
      .check(z.meta({ description: 'Type of the order which can be drop or pick' })),
  ),
  type_index: z.optional(
    indexParamDoc('Integer representing the pick or drop order index when having a pick/drop scenario'),
  ),
  fulfillment_attempt: z.optional(
    indexParamDoc('The attempt number for fulfilling the order; without it the latest attempt counts'),
  ),
});
const QUERY_PARAMS = Object.keys(querySchema.shape);

/** The body: none, or a JSON object without fields. */
export const bodySchema = z.strictObject({});

export interface CompleteOrderRequest {
  order_handle: string;
  selector: OrderSelector;
}

/** Field names come from the caller: a null-prototype object keeps `__proto__` or `constructor` plain keys. */
const fieldErrors = (): FieldErrors => Object.create(null) as FieldErrors;

const addError = (fields: FieldErrors, field: string, message: string): void => {
  (fields[field] ??= []).push(message);
};

const collect = (issues: readonly z.core.$ZodIssue[], fallbackField: string): FieldErrors => {
  const fields = fieldErrors();
  for (const issue of issues) {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.length > 0 ? issue.path.join('.') : fallbackField];
    const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    for (const key of keys) addError(fields, key, message);
  }
  return fields;
};

const checkPath = (event: APIGatewayProxyEventV2): { errors?: FieldErrors; order_handle?: string } => {
  const parsed = pathSchema.safeParse({ order_handle: event.pathParameters?.order_handle });
  if (parsed.success) return { order_handle: parsed.data.order_handle };
  return { errors: collect(parsed.error.issues, 'order_handle') };
};

const queryEntries = (event: APIGatewayProxyEventV2): [string, string][] => {
  if (typeof event.rawQueryString === 'string') return [...new URLSearchParams(event.rawQueryString)];
  return Object.entries(event.queryStringParameters ?? {}).map(([key, value]) => [key, value ?? '']);
};

const checkQuery = (event: APIGatewayProxyEventV2): { errors?: FieldErrors; selector?: OrderSelector } => {
  const errors = fieldErrors();
  const values = Object.create(null) as Record<string, string>;
  for (const [key, value] of queryEntries(event)) {
    if (!QUERY_PARAMS.includes(key)) {
      // A typo (fulfilment_attempt) must never silently complete another attempt.
      addError(errors, key, `unknown query parameter; expected one of: ${QUERY_PARAMS.join(', ')}`);
    } else if (Object.hasOwn(values, key)) {
      addError(errors, key, 'must be given at most once');
    } else {
      values[key] = value;
    }
  }
  const parsed = querySchema.safeParse(values);
  if (!parsed.success) {
    for (const [field, messages] of Object.entries(collect(parsed.error.issues, 'query'))) {
      for (const message of messages) addError(errors, field, message);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  const selector: OrderSelector = {};
  if (parsed.data.type !== undefined) selector.type = parsed.data.type;
  if (parsed.data.type_index !== undefined) selector.type_index = parsed.data.type_index;
  if (parsed.data.fulfillment_attempt !== undefined) selector.fulfillment_attempt = parsed.data.fulfillment_attempt;
  return { selector };
};

const isJsonContentType = (value: string): boolean => {
  const mediaType = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
};

/** 413 and 415 are thrown at once; JSON problems are returned as 422 field errors. */
const checkBody = (event: APIGatewayProxyEventV2): FieldErrors | undefined => {
  if (typeof event.body !== 'string') {
    // API Gateway always passes a string; serverless offline hands JSON `null`, `false` or `0` bodies over
    // already parsed. The content-length still tells a body was sent.
    const length = Number(findHeader(event, 'content-length') ?? 0);
    return length > 0 ? { body: ['must be a JSON object with no fields, such as {}'] } : undefined;
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > MAX_BODY_BYTES) {
    throw new HttpError(413, 'Request body too large', { max_bytes: MAX_BODY_BYTES });
  }
  if (raw.length === 0) return undefined;
  const contentType = findHeader(event, 'content-type');
  if (contentType === undefined || !isJsonContentType(contentType)) {
    throw new HttpError(415, 'Unsupported media type', { content_type: ['must be application/json'] });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { body: ['malformed JSON'] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { body: ['must be a JSON object with no fields, such as {}'] };
  }
  const parsed = bodySchema.safeParse(json);
  return parsed.success ? undefined : collect(parsed.error.issues, 'body');
};

/** Checks everything about the request that does not need the database; every problem at once. */
export const parseCompleteOrderRequest = (event: APIGatewayProxyEventV2): CompleteOrderRequest => {
  const jsonErrors = checkBody(event);
  const path = checkPath(event);
  const query = checkQuery(event);
  const detail: ValidationDetail = {};
  if (path.errors !== undefined) detail.path = path.errors;
  if (query.errors !== undefined) detail.query = query.errors;
  if (jsonErrors !== undefined) detail.json = jsonErrors;
  if (path.order_handle === undefined || query.selector === undefined || jsonErrors !== undefined) {
    throw new ValidationFailed(detail);
  }
  return { order_handle: path.order_handle, selector: query.selector };
};
