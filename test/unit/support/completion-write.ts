import type { OrderKey } from '../../../domain/order-fields';
import type { CompletionWrite, PendingEvent } from '../../../domain/ports';

/** A completing write of `key` at 2025-03-01T12:00Z, as the domain builds it (the store's unit tests). */
export const completionWriteOf = (key: OrderKey, pending: PendingEvent): CompletionWrite => ({
  key,
  completed_at: '2025-03-01T12:00:00.000Z',
  timeline_event: {
    type: 'order_completed',
    recorded_at: '2025-03-01T12:00:00.000Z',
    order_handle: key.order_handle,
    route_handle: null,
    order_type: key.type,
    fulfillment_attempt: key.fulfillment_attempt,
  },
  pending_event: pending,
});
