import { createHash } from 'node:crypto';
import {
  MAX_METADATA_BYTES,
  MAX_REFERENCE_LENGTH,
  MAX_SHARE_URL_LENGTH,
  ORDER_TYPES,
  accountIdSchema,
  boundedString,
  destinationSchema,
  jsonValueSchema,
  orderHandleSchema,
  orderIndexSchema,
  type OrderKey,
} from './order-fields';
import * as z from './zod-mini';

/**
 * The OrderCompleted event contract, defined once: the publisher builds its Detail with
 * buildOrderCompletedDetail and subscribers parse with parseOrderCompletedDetail (contracts/order-completed.ts).
 *
 * Versioning: within version "1" fields may be added (subscribers must ignore unknown fields);
 * removing, renaming or changing the meaning or type of a field needs version "2".
 * De-duplicate on `event_id`: every publish of one completion carries the same id.
 */
export const ORDER_COMPLETED_DETAIL_TYPE = 'OrderCompleted';
export const ORDER_COMPLETED_VERSION = '1';

/** The event's metadata: the order's, when it fits the bound (the builder checks it without building the whole schema). */
const detailMetadataSchema = z.nullable(z.record(z.string(), jsonValueSchema));

/**
 * The detail's schema. Built by a function marked free of side effects, so a bundle that only builds details (the
 * request path: the builder below checks its fields one by one) drops the schema instead of building it at init.
 */
const detailSchema = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.object({
    version: z.literal(ORDER_COMPLETED_VERSION),
    event_id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
    account_id: accountIdSchema,
    order_handle: orderHandleSchema,
    type: z.enum(ORDER_TYPES),
    type_index: orderIndexSchema,
    fulfillment_attempt: orderIndexSchema,
    status: z.literal('completed'),
    completed_at: z.isoDateTime({ offset: true }),
    route_handle: z.nullable(boundedString(MAX_REFERENCE_LENGTH)),
    worker_handle: z.nullable(boundedString(MAX_REFERENCE_LENGTH)),
    device_id: z.nullable(boundedString(MAX_REFERENCE_LENGTH)),
    metadata: detailMetadataSchema,
    /** True when the order's metadata was over the size bound and left out. */
    metadata_truncated: z.optional(z.boolean()),
    share_url: z.nullable(boundedString(MAX_SHARE_URL_LENGTH)),
    destination: z.nullable(destinationSchema),
  });
export const orderCompletedDetailSchema = detailSchema();
export type OrderCompletedDetail = z.infer<typeof orderCompletedDetailSchema>;

/** The order fields the summary reads; everything else (polyline, timeline, ...) is left out. */
export interface CompletedOrderFields {
  completed_at: string;
  route_handle?: string | null;
  worker_handle?: string | null;
  device_id?: string | null;
  metadata?: unknown;
  share_url?: string | null;
  destination?: unknown;
}

/**
 * Every field is bounded whatever the stored record holds (records written around the API's validation
 * included), so the event stays far below EventBridge's 256 KB entry limit and can always be published:
 * a string over its API bound, or a value of the wrong type, is null.
 */
const stringOrNull = (value: unknown, maxLength: number): string | null =>
  typeof value === 'string' && value.length <= maxLength ? value : null;

export const buildOrderCompletedDetail = (
  key: OrderKey,
  eventId: string,
  order: CompletedOrderFields,
): OrderCompletedDetail => {
  const parsedMetadata = detailMetadataSchema.safeParse(order.metadata ?? null);
  const metadata = parsedMetadata.success ? parsedMetadata.data : null;
  const metadataFits = metadata === null || Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES;
  const destination = destinationSchema.safeParse(order.destination);
  return {
    version: ORDER_COMPLETED_VERSION,
    event_id: eventId,
    account_id: key.account_id,
    order_handle: key.order_handle,
    type: key.type,
    type_index: key.type_index,
    fulfillment_attempt: key.fulfillment_attempt,
    status: 'completed',
    completed_at: order.completed_at,
    route_handle: stringOrNull(order.route_handle, MAX_REFERENCE_LENGTH),
    worker_handle: stringOrNull(order.worker_handle, MAX_REFERENCE_LENGTH),
    device_id: stringOrNull(order.device_id, MAX_REFERENCE_LENGTH),
    metadata: metadataFits ? metadata : null,
    ...(metadataFits ? {} : { metadata_truncated: true }),
    share_url: stringOrNull(order.share_url, MAX_SHARE_URL_LENGTH),
    destination: destination.success ? destination.data : null,
  };
};

/**
 * The OrderCompleted event id: a hash of the record's identity and its completion time, so every
 * publish of the same completion (request path, retry, relay) carries the same id.
 */
export const orderCompletedEventId = (key: OrderKey, completedAt: string): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        'OrderCompleted',
        key.account_id,
        key.order_handle,
        key.type,
        key.type_index,
        key.fulfillment_attempt,
        completedAt,
      ]),
    )
    .digest('hex')
    .slice(0, 32);
