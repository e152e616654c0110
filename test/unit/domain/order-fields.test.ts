import { describe, expect, test } from '@jest/globals';
import { ORDER_FIELDS } from '../../../domain/order-fields';
import { orderSchema } from '../../../domain/order';

describe('ORDER_FIELDS (the request path’s copy of the field list)', () => {
  test('is exactly the order schema’s fields, in the API page’s order', () => {
    expect(ORDER_FIELDS).toEqual(Object.keys(orderSchema.shape));
  });
});
