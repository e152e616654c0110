import type { Order } from './order';
import { ORDER_FIELDS } from './order-fields';

/**
 * A stored record as callers see it. Its own file so the request path reaches it without building the full order
 * schema (domain/order.ts is imported here for its type only).
 */

/** Copies only the API's fields, without validating the (possibly 50 000-point) content again. */
export const toApiOrder = (record: Record<string, unknown>): Order => {
  const order: Record<string, unknown> = {};
  for (const field of ORDER_FIELDS) {
    if (record[field] !== undefined) order[field] = record[field];
  }
  return order as Order;
};
