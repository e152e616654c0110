import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import {
  ORDER_COMPLETED_DETAIL_TYPE,
  ORDER_COMPLETED_VERSION,
  orderCompletedDetailSchema,
  type OrderCompletedDetail,
} from '../domain/order-completed-event';

/**
 * The OrderCompleted contract as subscribers meet it (docs/events.md). The detail is defined once, in
 * domain/order-completed-event.ts; this module adds the EventBridge envelope (Powertools parser's
 * EventBridgeSchema) and renders the published JSON Schema, contracts/order-completed.v1.schema.json
 * (`npm run event-schema`; a unit test fails when the committed file drifts from the zod schema).
 */
export { orderCompletedDetailSchema } from '../domain/order-completed-event';
export type { OrderCompletedDetail } from '../domain/order-completed-event';

/**
 * The typed parse helper for subscribers: throws a `ZodError` (classic zod's) when the detail breaks the contract.
 * The schema itself is a zod/mini schema (the publisher's light request path); classic zod's `parse` takes it.
 */
export const parseOrderCompletedDetail = (detail: unknown): OrderCompletedDetail =>
  z.parse(orderCompletedDetailSchema, detail);

/** The whole EventBridge event, for subscribers that need the envelope (id, time) as well as the detail. */
export const orderCompletedEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal(ORDER_COMPLETED_DETAIL_TYPE),
  detail: orderCompletedDetailSchema,
});
export type OrderCompletedEvent = z.infer<typeof orderCompletedEventSchema>;

export const ORDER_COMPLETED_SCHEMA_ID = `urn:orders-complete:order-completed:v${ORDER_COMPLETED_VERSION}`;

/**
 * The detail's JSON Schema (draft 2020-12). Rendered as an input schema, so objects stay open: within a
 * version fields may be added, and subscribers must accept (ignore) fields they do not know.
 */
export const buildOrderCompletedJsonSchema = (): Record<string, unknown> => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: ORDER_COMPLETED_SCHEMA_ID,
  title: `OrderCompleted detail, version ${ORDER_COMPLETED_VERSION}`,
  description:
    'The `detail` of an EventBridge event with detail-type OrderCompleted. De-duplicate on `event_id`: every ' +
    'publish of one completion carries the same id. Within version "1" fields may be added (ignore unknown ' +
    'fields); removing, renaming or changing the type or meaning of a field needs version "2". See docs/events.md.',
  ...z.toJSONSchema(orderCompletedDetailSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }),
});

export const renderOrderCompletedJsonSchema = (): string =>
  `${JSON.stringify(buildOrderCompletedJsonSchema(), null, 2)}\n`;
