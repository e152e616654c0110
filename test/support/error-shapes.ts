import { z } from 'zod';

/**
 * The documented error bodies (README "The contract"), exactly: `{message, detail}` and nothing else,
 * with the detail each status promises. Tests parse every non-200 answer with these.
 */
const fieldErrors = z.record(z.string(), z.array(z.string().min(1)).min(1));
const empty = z.strictObject({});

const byStatus: Record<number, z.ZodType> = {
  401: z.strictObject({ message: z.literal('Authentication error'), detail: empty }),
  404: z.strictObject({ message: z.literal('Order not found'), detail: empty }),
  406: z.strictObject({
    message: z.string().min(1),
    detail: z.strictObject({
      reason: z.literal('response_too_large'),
      body_bytes: z.number().int().positive(),
      accept_encoding: z.tuple([z.literal('gzip')]),
    }),
  }),
  409: z.strictObject({
    message: z.string().min(1),
    detail: z.union([
      z.strictObject({ status: z.enum(['cancelled', 'disabled']) }),
      z.strictObject({ reason: z.literal('item_size_limit') }),
    ]),
  }),
  413: z.strictObject({ message: z.string().min(1), detail: z.strictObject({ max_bytes: z.literal(16_384) }) }),
  415: z.strictObject({
    message: z.string().min(1),
    detail: z.strictObject({ content_type: z.array(z.string().min(1)).min(1) }),
  }),
  422: z.strictObject({
    message: z.literal('Validation error'),
    detail: z
      .strictObject({ path: fieldErrors.optional(), query: fieldErrors.optional(), json: fieldErrors.optional() })
      .refine((detail) => Object.keys(detail).length > 0, 'names at least one location'),
  }),
  503: z.strictObject({ message: z.string().min(1), detail: empty }),
  500: z.strictObject({ message: z.literal('Internal server error'), detail: empty }),
};

/** Throws (with zod's explanation) unless `body` is exactly the documented error body of `status`. */
export const expectDocumentedError = (status: number, body: unknown): void => {
  const schema = byStatus[status];
  if (schema === undefined) throw new Error(`status ${status} is not a documented error status`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${status} body is not the documented shape: ${JSON.stringify(body)}\n${parsed.error.message}`);
  }
};

export const DOCUMENTED_ERROR_STATUSES = Object.keys(byStatus).map(Number);
