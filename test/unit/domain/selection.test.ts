import { describe, expect, test } from '@jest/globals';
import { AmbiguousOrder, OrderNotFound } from '../../../domain/errors';
import { isExactSelector, selectRecord, type OrderSelector, type RecordRef } from '../../../domain/selection';

const rec = (
  type: RecordRef['type'],
  typeIndex: number,
  attempt: number,
  routeHandle: string | null = null,
): RecordRef => ({
  type,
  type_index: typeIndex,
  fulfillment_attempt: attempt,
  route_handle: routeHandle,
});

const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('selectRecord', () => {
  test('no records -> OrderNotFound', () => {
    expect(() => selectRecord([], {})).toThrow(OrderNotFound);
  });

  test('records that do not match the selector -> OrderNotFound', () => {
    expect(() => selectRecord([rec('pick', 0, 0)], { type: 'drop' })).toThrow(OrderNotFound);
    expect(() => selectRecord([rec('pick', 0, 0)], { type_index: 1 })).toThrow(OrderNotFound);
  });

  test('a single record is chosen without any selector', () => {
    const only = rec('drop', 0, 0, 'route-1');
    expect(selectRecord([only], {})).toBe(only);
  });

  test('pick + drop without type -> AmbiguousOrder naming type (and only type)', () => {
    const error = catchError(() => selectRecord([rec('pick', 0, 0), rec('drop', 0, 0)], {}));
    expect(error).toBeInstanceOf(AmbiguousOrder);
    const { missing } = error as AmbiguousOrder;
    expect(Object.keys(missing)).toEqual(['type']);
    expect(missing.type?.[0]).toContain('drop and pick');
  });

  test('pick + drop is resolved by giving type', () => {
    const drop = rec('drop', 0, 0);
    expect(selectRecord([rec('pick', 0, 0), drop], { type: 'drop' })).toBe(drop);
  });

  test('several type_index of one type -> AmbiguousOrder naming type_index with the indexes', () => {
    const error = catchError(() =>
      selectRecord([rec('drop', 2, 0), rec('drop', 0, 0), rec('drop', 1, 0)], { type: 'drop' }),
    );
    expect(error).toBeInstanceOf(AmbiguousOrder);
    const { missing } = error as AmbiguousOrder;
    expect(Object.keys(missing)).toEqual(['type_index']);
    expect(missing.type_index?.[0]).toContain('(0, 1, 2)');
    expect(missing.type_index?.[0]).toContain('drop');
  });

  test('several type_index without type (one type only) also names only type_index', () => {
    const error = catchError(() => selectRecord([rec('pick', 0, 0), rec('pick', 1, 0)], {}));
    expect((error as AmbiguousOrder).missing).toEqual({ type_index: [expect.stringContaining('(0, 1)')] });
  });

  test('indexes are listed in numeric, not lexical, order', () => {
    const error = catchError(() => selectRecord([rec('pick', 10, 0), rec('pick', 9, 0)], {}));
    expect((error as AmbiguousOrder).missing.type_index?.[0]).toContain('(9, 10)');
  });

  test('ambiguity error is reported even when the parts have several attempts', () => {
    expect(() => selectRecord([rec('pick', 0, 0), rec('pick', 0, 1), rec('drop', 0, 0)], {})).toThrow(AmbiguousOrder);
  });

  test('the latest fulfillment_attempt is chosen when none is given', () => {
    const latest = rec('pick', 0, 7);
    expect(selectRecord([rec('pick', 0, 0), latest, rec('pick', 0, 3)], {})).toBe(latest);
    expect(selectRecord([latest, rec('pick', 0, 2)], { type: 'pick', type_index: 0 })).toBe(latest);
  });

  test('several attempts of one part are not ambiguous', () => {
    expect(() => selectRecord([rec('drop', 1, 0), rec('drop', 1, 1)], {})).not.toThrow();
  });

  test('the exact attempt is chosen when given', () => {
    const first = rec('pick', 0, 0);
    expect(selectRecord([first, rec('pick', 0, 1), rec('pick', 0, 2)], { fulfillment_attempt: 0 })).toBe(first);
  });

  test('an attempt that is not present -> OrderNotFound', () => {
    expect(() => selectRecord([rec('pick', 0, 0), rec('pick', 0, 1)], { fulfillment_attempt: 5 })).toThrow(
      OrderNotFound,
    );
  });

  test('an exact selector picks exactly that record among many', () => {
    const target = rec('drop', 1, 1);
    const records = [rec('pick', 0, 0), rec('pick', 1, 1), rec('drop', 1, 0), target, rec('drop', 0, 1)];
    expect(selectRecord(records, { type: 'drop', type_index: 1, fulfillment_attempt: 1 })).toBe(target);
  });
});

describe('isExactSelector', () => {
  test.each<[OrderSelector, boolean]>([
    [{}, false],
    [{ type: 'pick' }, false],
    [{ type: 'pick', type_index: 0 }, false],
    [{ type_index: 0, fulfillment_attempt: 0 }, false],
    [{ type: 'pick', type_index: 0, fulfillment_attempt: 0 }, true],
  ])('%j -> %s', (selector, exact) => {
    expect(isExactSelector(selector)).toBe(exact);
  });
});
