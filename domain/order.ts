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
  destination: z.nullish(destinationSchema),
  ops_group_handle: z.nullish(boundedString(256)),
  track_mode: z.nullish(boundedString(64)),
  plan_mode: z.nullish(boundedString(64)),
  risk_status: z.nullish(z.boolean()),
  risks: z.nullish(z.record(z.string(), z.string())),
  scheduled_at: z.nullish(isoTimestamp),
  started_at: z.nullish(isoTimestamp),
  type: z.enum(ORDER_TYPES),
  type_index: orderIndexSchema,
  expected_service_time: z.nullish(z.number()),
  actual_service_time: z.nullish(z.number()),
  tracked_service_time: z.nullish(z.number()),
  capacity_used: z.nullish(z.number()),
  metadata: z.nullish(metadataSchema),
  region: z.nullish(z.record(z.string(), z.string().nullable())),
  share_url: z.nullish(boundedString(MAX_SHARE_URL_LENGTH)),
  completed_at: z.nullish(isoTimestamp),
  device_id: z.nullish(boundedString(MAX_REFERENCE_LENGTH)),
  worker_handle: z.nullish(boundedString(MAX_REFERENCE_LENGTH)),
  created_at: z.nullish(isoTimestamp),
  assigned_at: z.nullish(isoTimestamp),
  route_handle: z.nullish(boundedString(MAX_REFERENCE_LENGTH)),
  planned_at: z.nullish(isoTimestamp),
  plan_id: z.nullish(boundedString(256)),
  distance: z.nullish(z.number()),
  duration: z.nullish(z.number()),
  tracking_rate: z.nullish(z.number()),
  polyline: z.nullish(z.object({ type: z.literal('LineString'), coordinates: z.array(polylinePointSchema) })),
  start_location: z.nullish(pointSchema),
  end_location: z.nullish(pointSchema),
  visited_destination: z.nullish(z.boolean()),
  completed_at_destination: z.nullish(z.boolean()),
  deviation_from_destination: z.nullish(z.number()),
  previous_fulfillments: z.nullish(
    z.array(z.object({ order_handle: orderHandleSchema, fulfillment_attempt: orderIndexSchema })),
  ),
  timeline: z.nullish(z.array(timelineEventSchema)),
});
export type Order = z.infer<typeof orderSchema>;

/** A seed or import record: the API's order shape plus the account that owns it. */
export const accountOrderSchema = orderSchema.extend({ account_id: accountIdSchema });
export type AccountOrder = z.infer<typeof accountOrderSchema>;
