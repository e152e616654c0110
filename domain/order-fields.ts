import * as z from './zod-mini';

/**
 * The light part of the order model: what the request path needs (identity, key rules, the destination shape, the
 * API's field list). The full order schema (domain/order.ts) is built only where orders are validated whole (seed,
 * subscribers); building it at module load cost the function ~15 ms of cold start (BENCHMARKS.md).
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
export const orderHandleSchema = z.string().check(
  z.refine((value) => value.length > 0, { message: 'must not be empty' }),
  z.refine((value) => codePointLength(value) <= MAX_HANDLE_CODE_POINTS, {
    message: `must be at most ${MAX_HANDLE_CODE_POINTS} characters`,
  }),
  z.refine((value) => value.isWellFormed(), { message: 'must be valid Unicode text' }),
);

export const orderIndexSchema = z.number().check(z.int(), z.minimum(0), z.maximum(MAX_ORDER_INDEX));

/** Account ids are ours to issue; the restricted alphabet keeps them free of key separators. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const accountIdSchema = z
  .string()
  .check(z.regex(ACCOUNT_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 . _ -'));

/** Bounds (UTF-16 units) of the free-text fields the OrderCompleted event carries: they keep the event small. */
export const MAX_REFERENCE_LENGTH = 256;
export const MAX_SHARE_URL_LENGTH = 2048;
export const MAX_ADDRESS_LENGTH = 1024;

/** A string of at most `max` characters (UTF-16 units, as zod counts). */
export const boundedString = (max: number) => z.string().check(z.maxLength(max));

export const pointSchema = z.object({
  type: z.literal('Point'),
  coordinates: z.array(z.number()).check(z.minLength(2), z.maxLength(3)),
});

export const destinationSchema = z.object({
  geometry: pointSchema,
  address: z.nullish(boundedString(MAX_ADDRESS_LENGTH)),
  radius: z.nullish(z.number()),
});

/** Any JSON value: what z.json() checks, declared with a name so generated schemas refer to it as JsonValue. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValueSchema: z.ZodMiniType<JsonValue> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValueSchema),
      z.record(z.string(), jsonValueSchema),
    ]),
  )
  .check(z.meta({ id: 'JsonValue', description: 'Any JSON value' }));

/** Metadata bound: an order's summary in an event stays small. */
export const MAX_METADATA_BYTES = 4096;

/** The field names an order shows callers, in the API page's order; anything else on a stored record is internal. */
export const ORDER_FIELDS: readonly string[] = [
  'order_handle',
  'fulfillment_attempt',
  'status',
  'destination',
  'ops_group_handle',
  'track_mode',
  'plan_mode',
  'risk_status',
  'risks',
  'scheduled_at',
  'started_at',
  'type',
  'type_index',
  'expected_service_time',
  'actual_service_time',
  'tracked_service_time',
  'capacity_used',
  'metadata',
  'region',
  'share_url',
  'completed_at',
  'device_id',
  'worker_handle',
  'created_at',
  'assigned_at',
  'route_handle',
  'planned_at',
  'plan_id',
  'distance',
  'duration',
  'tracking_rate',
  'polyline',
  'start_location',
  'end_location',
  'visited_destination',
  'completed_at_destination',
  'deviation_from_destination',
  'previous_fulfillments',
  'timeline',
];

/** The identity of one order record. */
export interface OrderKey {
  account_id: string;
  order_handle: string;
  type: OrderType;
  type_index: number;
  fulfillment_attempt: number;
}
