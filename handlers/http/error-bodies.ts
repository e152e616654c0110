import { z } from 'zod';
import { REFUSING_STATUSES } from '../../domain/completion-rules';
import { ORDER_STATUSES } from '../../domain/order-fields';

/**
 * Every error body the API sends, as zod schemas, defined once: the response builder (responses.ts) is
 * typed by them and the OpenAPI document (openapi/build.ts) is generated from them. The shape is the API
 * page's: `{ "message": string, "detail": object }`; `detail` says more for some statuses.
 */

const errorBody = <D extends z.ZodType>(detail: D) =>
  z.strictObject({
    message: z.string().meta({ description: 'What went wrong, for people; do not parse it' }),
    detail,
  });

const noDetail = z.strictObject({});

const fieldErrors = z
  .record(z.string(), z.array(z.string()))
  .meta({ description: 'Messages by field name', example: { type: ['must be one of: pick, drop'] } });

/** 422 detail: problems by location (API page: `{"<location>": {"<field_name>": ["string"]}}`). */
export const validationDetailSchema = z
  .strictObject({
    path: fieldErrors.optional(),
    query: fieldErrors.optional(),
    json: fieldErrors.optional(),
  })
  .meta({ description: 'Problems by location (path, query, json), then by field' });

/** 409 detail: the status that cannot be completed, or the item size limit. */
export const conflictDetailSchema = z
  .union([
    z.strictObject({
      status: z.enum(ORDER_STATUSES).meta({ description: `The order's status: ${REFUSING_STATUSES.join(' or ')}` }),
    }),
    z.strictObject({ reason: z.literal('item_size_limit') }),
  ])
  .meta({ description: 'Why the order cannot be completed' });

/** 406 detail: the completed order's answer needs a content coding the request refused. */
export const notAcceptableDetailSchema = z
  .strictObject({
    reason: z.literal('response_too_large'),
    body_bytes: z.number().int().meta({ description: 'Size of the uncompressed answer' }),
    accept_encoding: z.array(z.string()).meta({ description: 'Content codings to accept to receive it' }),
  })
  .meta({ description: 'Why the answer was not sent' });

export const ERROR_BODY_SCHEMAS = {
  401: errorBody(noDetail).meta({ id: 'AuthenticationError' }),
  404: errorBody(noDetail).meta({ id: 'NotFoundError' }),
  406: errorBody(notAcceptableDetailSchema).meta({ id: 'NotAcceptableError' }),
  409: errorBody(conflictDetailSchema).meta({ id: 'ConflictError' }),
  413: errorBody(z.strictObject({ max_bytes: z.number().int() })).meta({ id: 'PayloadTooLargeError' }),
  415: errorBody(z.strictObject({ content_type: z.array(z.string()) })).meta({ id: 'UnsupportedMediaTypeError' }),
  422: errorBody(validationDetailSchema).meta({ id: 'ValidationError' }),
  500: errorBody(noDetail).meta({ id: 'InternalServerError' }),
  503: errorBody(noDetail).meta({ id: 'ServiceUnavailableError' }),
} as const;

export type ErrorStatus = keyof typeof ERROR_BODY_SCHEMAS;
export type ErrorBody<S extends ErrorStatus> = z.infer<(typeof ERROR_BODY_SCHEMAS)[S]>;
export type ErrorDetail<S extends ErrorStatus> = ErrorBody<S>['detail'];
