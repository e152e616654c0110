import { describe, expect, test } from '@jest/globals';
import {
  ACCOUNT_ID_PATTERN,
  MAX_METADATA_BYTES,
  ORDER_FIELDS,
  codePointLength,
  orderHandleSchema,
} from '../../../domain/order-fields';
import { accountOrderSchema, orderSchema } from '../../../domain/order';
import { toApiOrder } from '../../../domain/api-order';
import { INTERNAL_ATTRIBUTES } from '../../support/internal-attributes';

const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units, four UTF-8 bytes

const baseOrder = {
  order_handle: 'order-1',
  type: 'pick',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'planned',
} as const;

describe('codePointLength', () => {
  test('counts code points, not UTF-16 units', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength(EMOJI)).toBe(1);
    expect(EMOJI.length).toBe(2);
    expect(codePointLength(EMOJI.repeat(256))).toBe(256);
  });
});

describe('orderHandleSchema', () => {
  test.each([
    ['a single character', 'a'],
    ['256 ASCII characters', 'x'.repeat(256)],
    ['256 emoji (512 UTF-16 units)', EMOJI.repeat(256)],
    ['key-layout look-alikes', 'acct#pick#0000000000#0000000000'],
    ['slashes, percent and spaces', 'a/b%2Fc d?e&f=g'],
    ['mixed scripts', 'заказ-注文-طلب'],
  ])('accepts %s', (_label, handle) => {
    expect(orderHandleSchema.safeParse(handle).success).toBe(true);
  });

  test.each([
    ['empty', ''],
    ['257 ASCII characters', 'x'.repeat(257)],
    ['257 emoji', EMOJI.repeat(257)],
    ['a lone high surrogate', 'abc\uD800'],
    ['a lone low surrogate', '\uDC00xyz'],
    ['reversed surrogates', '\uDE00\uD83D'],
  ])('rejects %s', (_label, handle) => {
    expect(orderHandleSchema.safeParse(handle).success).toBe(false);
  });

  test('explains why an empty handle is refused', () => {
    expect(orderHandleSchema.safeParse('').error?.issues.map((issue) => issue.message)).toContain('must not be empty');
  });

  test('explains why a surrogate handle is refused', () => {
    expect(orderHandleSchema.safeParse('\uD800').error?.issues.map((issue) => issue.message)).toContain(
      'must be valid Unicode text',
    );
  });

  test('rejects non-strings', () => {
    expect(orderHandleSchema.safeParse(42).success).toBe(false);
    expect(orderHandleSchema.safeParse(undefined).success).toBe(false);
  });
});

describe('ACCOUNT_ID_PATTERN', () => {
  test.each(['a', 'acct-1', 'A.b_c-9', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(ACCOUNT_ID_PATTERN.test(id)).toBe(true);
  });
  test.each(['', '-leading', '.leading', 'has#hash', 'has:colon', 'has space', 'x'.repeat(65), 'ümlaut'])(
    'rejects %j',
    (id) => {
      expect(ACCOUNT_ID_PATTERN.test(id)).toBe(false);
    },
  );
});

describe('orderSchema', () => {
  test('accepts a minimal order', () => {
    expect(orderSchema.parse(baseOrder)).toEqual(baseOrder);
  });

  test('accepts nulls for optional fields', () => {
    expect(orderSchema.safeParse({ ...baseOrder, route_handle: null, metadata: null, destination: null }).success).toBe(
      true,
    );
  });

  test.each(['pk', 'sk', 'account_id', 'pending_event', 'unknown_field'])('rejects the unknown field %s', (field) => {
    expect(orderSchema.safeParse({ ...baseOrder, [field]: 'x' }).success).toBe(false);
  });

  test.each(['done', 'COMPLETED', '', 'canceled'])('rejects the status %j', (status) => {
    expect(orderSchema.safeParse({ ...baseOrder, status }).success).toBe(false);
  });

  test.each([
    ['type', 'parcel'],
    ['type_index', -1],
    ['type_index', 1.5],
    ['type_index', 2_147_483_648],
    ['fulfillment_attempt', '0'],
    ['completed_at', 'yesterday'],
    ['order_handle', ''],
  ])('rejects %s = %j', (field, value) => {
    expect(orderSchema.safeParse({ ...baseOrder, [field]: value }).success).toBe(false);
  });

  test('requires the identity fields', () => {
    for (const field of ['order_handle', 'type', 'type_index', 'fulfillment_attempt', 'status'] as const) {
      const { [field]: _omitted, ...rest } = baseOrder;
      expect(orderSchema.safeParse(rest).success).toBe(false);
    }
  });

  test('bounds metadata at MAX_METADATA_BYTES serialised bytes', () => {
    const fits = { note: 'x'.repeat(MAX_METADATA_BYTES - '{"note":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(fits))).toBe(MAX_METADATA_BYTES);
    expect(orderSchema.safeParse({ ...baseOrder, metadata: fits }).success).toBe(true);
    expect(orderSchema.safeParse({ ...baseOrder, metadata: { note: `${fits.note}x` } }).success).toBe(false);
  });
});

describe('accountOrderSchema', () => {
  test('accepts an order with its account', () => {
    expect(accountOrderSchema.safeParse({ ...baseOrder, account_id: 'acct-1' }).success).toBe(true);
  });

  test('requires a valid account_id', () => {
    expect(accountOrderSchema.safeParse(baseOrder).success).toBe(false);
    expect(accountOrderSchema.safeParse({ ...baseOrder, account_id: 'bad#id' }).success).toBe(false);
  });

  test.each(['pk', 'sk', 'pending_event', 'extra'])('rejects the unknown field %s', (field) => {
    expect(accountOrderSchema.safeParse({ ...baseOrder, account_id: 'acct-1', [field]: 'x' }).success).toBe(false);
  });

  test('rejects a bad status', () => {
    expect(accountOrderSchema.safeParse({ ...baseOrder, account_id: 'acct-1', status: 'done' }).success).toBe(false);
  });
});

describe('toApiOrder', () => {
  const stored = {
    ...baseOrder,
    status: 'completed',
    completed_at: '2025-03-01T12:00:00.000Z',
    route_handle: null,
    metadata: { a: 1 },
    pk: 'acct-1#order-1',
    sk: 'pick#0000000000#0000000000',
    account_id: 'acct-1',
    pending_event: { event_id: '0'.repeat(32), since: '2025-03-01T12:00:00.000Z', lease_until: 1 },
    some_future_internal: 'x',
  };

  test('strips pk, sk, account_id, pending_event and anything else not in the API', () => {
    const order = toApiOrder(stored);
    for (const attribute of [...INTERNAL_ATTRIBUTES, 'some_future_internal']) {
      expect(Object.keys(order)).not.toContain(attribute);
    }
  });

  test('keeps every API field, including explicit nulls', () => {
    expect(toApiOrder(stored)).toStrictEqual({
      order_handle: 'order-1',
      type: 'pick',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'completed',
      completed_at: '2025-03-01T12:00:00.000Z',
      route_handle: null,
      metadata: { a: 1 },
    });
  });

  test('no internal attribute is an API field', () => {
    for (const attribute of INTERNAL_ATTRIBUTES) expect(ORDER_FIELDS).not.toContain(attribute);
  });
});
