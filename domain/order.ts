import * as z from 'zod';

/**
 * The order model, in the API's own words. One place defines what an order record is;
 * the seed tool validates with it and the 200 body is built from its field list.
 */

export const ORDER_TYPES = ['pick', 'drop'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const ORDER_STATUSES = [
  'unplanned',
  'planned',
  'assigned',
  'dispatched',
  'ongoing',
  'summarizing',
  'completed',
  'cancelled',
  'disabled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Upper bound for type_index and fulfillment_attempt: keeps sort keys fixed-width. */
export const MAX_ORDER_INDEX = 2_147_483_647;
export const MAX_HANDLE_CODE_POINTS = 256;

/** Length in Unicode code points, not UTF-16 units: "256 characters" means what a person sees as characters. */
export const codePointLength = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

/**
 * order_handle: 1 to 256 characters of any Unicode. Lone surrogates are refused because they
 * are not Unicode text at all and cannot be stored as UTF-8.
 */
export const orderHandleSchema = z
  .string()
  .refine((value) => value.length > 0, { message: 'must not be empty' })
  .refine((value) => codePointLength(value) <= MAX_HANDLE_CODE_POINTS, {
    message: `must be at most ${MAX_HANDLE_CODE_POINTS} characters`,
  })
  .refine((value) => value.isWellFormed(), { message: 'must be valid Unicode text' });

export const orderIndexSchema = z.number().int().min(0).max(MAX_ORDER_INDEX);

/** Account ids are ours to issue; the restricted alphabet keeps them free of key separators. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const accountIdSchema = z.string().regex(ACCOUNT_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');

const isoTimestamp = z.iso.datetime({ offset: true });
const boundedString = (max: number) => z.string().max(max);

const pointSchema = z.object({
  type: z.literal('Point'),
  coordinates: z.array(z.number()).min(2).max(3),
});

export const destinationSchema = z.object({
  geometry: pointSchema,
  address: boundedString(1024).nullish(),
  radius: z.number().nullish(),
});

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
export const MAX_METADATA_BYTES = 4096;
const metadataSchema = z
  .record(z.string(), z.json())
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
  share_url: boundedString(2048).nullish(),
  completed_at: isoTimestamp.nullish(),
  device_id: boundedString(256).nullish(),
  worker_handle: boundedString(256).nullish(),
  created_at: isoTimestamp.nullish(),
  assigned_at: isoTimestamp.nullish(),
  route_handle: boundedString(256).nullish(),
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

/** The field names an order shows callers; anything else on a stored record is internal. */
export const ORDER_FIELDS: readonly string[] = Object.keys(orderSchema.shape);

/** A seed or import record: the API's order shape plus the account that owns it. */
export const accountOrderSchema = orderSchema.extend({ account_id: accountIdSchema });
export type AccountOrder = z.infer<typeof accountOrderSchema>;

/** The identity of one order record. */
export interface OrderKey {
  account_id: string;
  order_handle: string;
  type: OrderType;
  type_index: number;
  fulfillment_attempt: number;
}

/** Copies only the API's fields, without validating the (possibly 50 000-point) content again. */
export const toApiOrder = (record: Record<string, unknown>): Order => {
  const order: Record<string, unknown> = {};
  for (const field of ORDER_FIELDS) {
    if (record[field] !== undefined) order[field] = record[field];
  }
  return order as Order;
};
