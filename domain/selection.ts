import { AmbiguousOrder, OrderNotFound } from './errors';
import type { OrderType } from './order-fields';

/** What the query string says about which record of a handle to complete. */
export interface OrderSelector {
  type?: OrderType;
  type_index?: number;
  fulfillment_attempt?: number;
}

/** The identifying attributes of one stored record of a handle (what the store's lookup returns). */
export interface RecordRef {
  type: OrderType;
  type_index: number;
  fulfillment_attempt: number;
  route_handle?: string | null;
  /** The store keeps this record's track apart from it: the completing write reads the track alongside. */
  track?: TrackRead;
}

/**
 * How the store reads a record's track stored apart (opaque to the domain, which only passes it from the selection to
 * the completing write): what the selection's read already fetched plus the rest, read alongside the write.
 */
export interface TrackRead {
  /** Every fix of the track, in order (called at most once, when the completing write starts). */
  readonly read: () => Promise<unknown[]>;
}

export const isExactSelector = (selector: OrderSelector): selector is Required<OrderSelector> =>
  selector.type !== undefined && selector.type_index !== undefined && selector.fulfillment_attempt !== undefined;

/**
 * Narrows a handle's records by the query. Without fulfillment_attempt the latest attempt counts.
 * None left: 404. Several order parts (type, type_index) left: 422 naming the fields needed.
 */
export const selectRecord = (records: readonly RecordRef[], selector: OrderSelector): RecordRef => {
  const matching = records.filter(
    (record) =>
      (selector.type === undefined || record.type === selector.type) &&
      (selector.type_index === undefined || record.type_index === selector.type_index) &&
      (selector.fulfillment_attempt === undefined || record.fulfillment_attempt === selector.fulfillment_attempt),
  );
  const [first] = matching;
  if (first === undefined) throw new OrderNotFound();

  const types = new Set(matching.map((record) => record.type));
  const parts = new Set(matching.map((record) => `${record.type}/${record.type_index}`));
  if (parts.size > 1) {
    const missing: Record<string, string[]> = {};
    if (types.size > 1) {
      missing.type = [`required: this order has ${[...types].sort().join(' and ')} parts; say which one`];
    }
    const indexes = new Set(matching.map((record) => record.type_index));
    if (indexes.size > 1) {
      missing.type_index = [
        `required: this order has several ${types.size > 1 ? '' : `${first.type} `}parts; say which index (${[
          ...indexes,
        ]
          .sort((a, b) => a - b)
          .join(', ')})`,
      ];
    }
    throw new AmbiguousOrder(missing);
  }

  return matching.reduce((latest, record) =>
    record.fulfillment_attempt > latest.fulfillment_attempt ? record : latest,
  );
};
