import { orderCompletedDetailSchema, type OrderCompletedDetail } from '../order-completed-event';
import * as z from '../zod-mini';

/**
 * The webhook body: the provider's order-webhook format (a JSON array of events, `type: "order"`,
 * `data.value: "completed"`), built from the OrderCompleted detail. Its fields are the detail's own zod schemas
 * (orderCompletedDetailSchema.shape), so the EventBridge contract and the webhook body cannot drift apart;
 * contracts/webhook-order-completed.v1.schema.json is rendered from this schema (`npm run event-schema`).
 *
 * The trip figures (distance, duration, deviation, actual_service_time) are always null: this service completes an
 * order without tracking the trip, so it has no figures to give (docs/webhooks.md). `event_id` is the
 * OrderCompleted event's, so a receiver can join a delivery to the EventBridge event; it is also the
 * `webhook-id` header.
 */
export const WEBHOOK_BODY_VERSION = '1';

const detail = orderCompletedDetailSchema.shape;
const tripFigure = z.nullable(z.number());

const orderCompletedWebhookEventSchema = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.object({
    event_id: detail.event_id,
    account_id: detail.account_id,
    /** When the order was completed (the detail's completed_at). */
    recorded_at: detail.completed_at,
    /** When this event was created: the completion itself, so the same on every delivery and replay. */
    created_at: detail.completed_at,
    device_id: detail.device_id,
    worker_handle: detail.worker_handle,
    type: z.literal('order'),
    version: z.literal(WEBHOOK_BODY_VERSION),
    data: z.object({
      value: z.literal('completed'),
      order_handle: detail.order_handle,
      route_handle: detail.route_handle,
      status: detail.status,
      share_url: detail.share_url,
      metadata: detail.metadata,
      distance: tripFigure,
      duration: tripFigure,
      deviation: tripFigure,
      actual_service_time: tripFigure,
      /** The record the completion was of: which part (pick/drop) and attempt (beyond the provider's fields). */
      order_type: detail.type,
      type_index: detail.type_index,
      fulfillment_attempt: detail.fulfillment_attempt,
    }),
  });

export const webhookBodySchema = z.array(orderCompletedWebhookEventSchema()).check(z.length(1));
export type WebhookBody = z.infer<typeof webhookBodySchema>;

/** The one event of a delivery, in the provider's format. */
export const buildWebhookBody = (event: OrderCompletedDetail): WebhookBody => [
  {
    event_id: event.event_id,
    account_id: event.account_id,
    recorded_at: event.completed_at,
    created_at: event.completed_at,
    device_id: event.device_id,
    worker_handle: event.worker_handle,
    type: 'order',
    version: WEBHOOK_BODY_VERSION,
    data: {
      value: 'completed',
      order_handle: event.order_handle,
      route_handle: event.route_handle,
      status: event.status,
      share_url: event.share_url,
      metadata: event.metadata,
      distance: null,
      duration: null,
      deviation: null,
      actual_service_time: null,
      order_type: event.type,
      type_index: event.type_index,
      fulfillment_attempt: event.fulfillment_attempt,
    },
  },
];

/**
 * The body `npm run webhooks -- test` sends: the same envelope, `type: "test"`, so a receiver can tell it from a
 * completion. Its `event_id` is random (`test_` + 32 hex digits).
 */
export const webhookTestBodySchema = z
  .array(
    z.object({
      event_id: z.string().check(z.regex(/^test_[0-9a-f]{32}$/)),
      account_id: detail.account_id,
      recorded_at: z.isoDateTime({ offset: true }),
      created_at: z.isoDateTime({ offset: true }),
      type: z.literal('test'),
      version: z.literal(WEBHOOK_BODY_VERSION),
      data: z.object({ value: z.literal('test'), endpoint_id: z.string() }),
    }),
  )
  .check(z.length(1));
export type WebhookTestBody = z.infer<typeof webhookTestBodySchema>;

export const buildWebhookTestBody = (
  accountId: string,
  endpointId: string,
  eventId: string,
  now: Date,
): WebhookTestBody => [
  {
    event_id: eventId,
    account_id: accountId,
    recorded_at: now.toISOString(),
    created_at: now.toISOString(),
    type: 'test',
    version: WEBHOOK_BODY_VERSION,
    data: { value: 'test', endpoint_id: endpointId },
  },
];
