import * as z from 'zod';
import {
  accountIdSchema,
  boundedString,
  destinationSchema,
  jsonValueSchema,
  MAX_METADATA_BYTES,
  MAX_REFERENCE_LENGTH,
  MAX_SHARE_URL_LENGTH,
  orderHandleSchema,
  orderIndexSchema,
  ORDER_STATUSES,
  ORDER_TYPES,
  pointSchema,
} from './order-fields';

/**
 * The order model, in the API's own words. One place defines what an order record is;
 * the seed tool validates with it and the 200 body is built from its field list (ORDER_FIELDS, kept equal to this
 * schema's keys by a unit test). Its vocabulary (types, statuses, key rules, bounds) is in ./order-fields, which the
 * request path imports without this file.
 */

const isoTimestamp = z.iso.datetime({ offset: true });

/** A position fix: [lng, lat, altitude?, recorded_at?]. */
const polylinePointSchema = z
  .array(z.union([z.number(), z.string(), z.null()]))
  .min(2)
  .max(4);

export const timelineEventSchema = z.looseObject({
  type: z.string().min(1).max(64),
  recorded_at: isoTimestamp,
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

/** Metadata is free-form but bounded, so an order's summary in an event stays small. */
const metadataSchema = z
  .record(z.string(), jsonValueSchema)
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES, {
    message: `must serialise to at most ${MAX_METADATA_BYTES} bytes`,
  });

/** The order as the API shows it (the 200 body of the API page, fields in its order), every field but the identity optional. */
export const orderSchema = z.strictObject({
  order_handle: orderHandleSchema,
  fulfillment_attempt: orderIndexSchema,
  status: z.enum(ORDER_STATUSES),
  destination: destinationSchema.nullish(),
  ops_group_handle: boundedString(256).nullish(),
  track_mode: boundedString(64).nullish(),
  plan_mode: boundedString(64).nullish(),
  risk_status: z.boolean().nullish(),
  risks: z.record(z.string(), z.string()).nullish(),
  scheduled_at: isoTimestamp.nullish(),
  started_at: isoTimestamp.nullish(),
  type: z.enum(ORDER_TYPES),
  type_index: orderIndexSchema,
  expected_service_time: z.number().nullish(),
  actual_service_time: z.number().nullish(),
  tracked_service_time: z.number().nullish(),
  capacity_used: z.number().nullish(),
  metadata: metadataSchema.nullish(),
  region: z.record(z.string(), z.string().nullable()).nullish(),
  share_url: boundedString(MAX_SHARE_URL_LENGTH).nullish(),
  completed_at: isoTimestamp.nullish(),
  device_id: boundedString(MAX_REFERENCE_LENGTH).nullish(),
  worker_handle: boundedString(MAX_REFERENCE_LENGTH).nullish(),
  created_at: isoTimestamp.nullish(),
  assigned_at: isoTimestamp.nullish(),
  route_handle: boundedString(MAX_REFERENCE_LENGTH).nullish(),
  planned_at: isoTimestamp.nullish(),
  plan_id: boundedString(256).nullish(),
  distance: z.number().nullish(),
  duration: z.number().nullish(),
  tracking_rate: z.number().nullish(),
  polyline: z.object({ type: z.literal('LineString'), coordinates: z.array(polylinePointSchema) }).nullish(),
  start_location: pointSchema.nullish(),
  end_location: pointSchema.nullish(),
  visited_destination: z.boolean().nullish(),
  completed_at_destination: z.boolean().nullish(),
  deviation_from_destination: z.number().nullish(),
  previous_fulfillments: z
    .array(z.object({ order_handle: orderHandleSchema, fulfillment_attempt: orderIndexSchema }))
    .nullish(),
  timeline: z.array(timelineEventSchema).nullish(),
});
export type Order = z.infer<typeof orderSchema>;

/** A seed or import record: the API's order shape plus the account that owns it. */
export const accountOrderSchema = orderSchema.extend({ account_id: accountIdSchema });
export type AccountOrder = z.infer<typeof accountOrderSchema>;
