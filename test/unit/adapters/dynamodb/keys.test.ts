import { describe, expect, test } from '@jest/globals';
import { orderItemKey, partitionKey, sortKey, sortKeyPrefix } from '../../../../adapters/dynamodb/keys';

describe('keys', () => {
  test('partition key is account "#" handle, handle stored as given', () => {
    expect(partitionKey('acct-1', 'a#b/c%2F\u{1F600}')).toBe('acct-1#a#b/c%2F\u{1F600}');
  });

  test('sort key pads both numbers to 10 digits', () => {
    expect(sortKey('pick', 0, 0)).toBe('pick#0000000000#0000000000');
    expect(sortKey('drop', 12, 2_147_483_647)).toBe('drop#0000000012#2147483647');
  });

  test('sort keys order by type, then type_index, then attempt', () => {
    const keys = [sortKey('pick', 10, 0), sortKey('drop', 2, 1), sortKey('pick', 9, 3), sortKey('drop', 2, 0)];
    expect([...keys].sort()).toEqual([
      sortKey('drop', 2, 0),
      sortKey('drop', 2, 1),
      sortKey('pick', 9, 3),
      sortKey('pick', 10, 0),
    ]);
  });

  test('orderItemKey', () => {
    expect(
      orderItemKey({ account_id: 'a', order_handle: 'h', type: 'drop', type_index: 1, fulfillment_attempt: 2 }),
    ).toEqual({
      pk: 'a#h',
      sk: 'drop#0000000001#0000000002',
    });
  });

  test.each([
    [{}, ''],
    [{ type_index: 1 }, ''],
    [{ fulfillment_attempt: 1 }, ''],
    [{ type: 'pick' as const }, 'pick#'],
    [{ type: 'pick' as const, fulfillment_attempt: 4 }, 'pick#'],
    [{ type: 'pick' as const, type_index: 7 }, 'pick#0000000007#'],
    [{ type: 'drop' as const, type_index: 7, fulfillment_attempt: 4 }, 'drop#0000000007#0000000004'],
  ])('sortKeyPrefix(%j) = %j', (selector, prefix) => {
    expect(sortKeyPrefix(selector)).toBe(prefix);
  });

  test('a type_index prefix does not match a longer index', () => {
    expect(sortKey('pick', 10, 0).startsWith(sortKeyPrefix({ type: 'pick', type_index: 1 }))).toBe(false);
  });
});
