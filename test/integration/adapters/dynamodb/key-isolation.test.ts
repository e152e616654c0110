import { afterAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { completeOrder } from '../../../../domain/complete-order';
import { OrderNotFound } from '../../../../domain/errors';
import { codePointLength, orderHandleSchema } from '../../../../domain/order-fields';
import type { AccountOrder } from '../../../../domain/order';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  anOrder,
  connect,
  getItems,
  mustGetItem,
  queryPartition,
  uniqueHandle,
  type RawItem,
} from '../../support/dynamo';
import { makeDeps } from '../../../support/fakes';

/**
 * Handles full of the key layout's separator, path and percent characters, unicode, the longest
 * handle, and handles that are prefixes of one another: each names exactly one record.
 *
 * Every test seeds the WHOLE set of awkward handles, exactly as written, under two accounts of its
 * own (fresh ids, so tests share nothing), completes one handle in one account, then checks that
 * exactly that one record of the 2 x N changed.
 */
const dynamo = connect();
afterAll(() => dynamo.destroy());

/** 256 code points, each 4 bytes of UTF-8 (1 KiB): the longest handle the API accepts. */
const FOUR_BYTE = ['🚚', '😀', '𝕏', '🀄', '𠜎', '🧾', '📦', '🏁'];
const LONGEST = Array.from({ length: 256 }, (_, i) => FOUR_BYTE[i % FOUR_BYTE.length]).join('');

const HANDLES: readonly string[] = [
  'a#b',
  'a',
  'a#',
  '#',
  '##',
  'a/b',
  'a%2Fb',
  'a%b',
  'a|b',
  'a b',
  'a+b',
  'a?type=drop',
  'pick#0000000000#0000000000',
  'drop#0000000000#0000000000',
  'local-account#x',
  'other-account#x',
  'x#local-account',
  '订单-🚚',
  'order',
  'order#pick',
  'order#pick#0000000000',
  'order#pick#0000000000#0000000000',
  'order#',
  'order-',
  'Order',
  ' ',
  '.',
  '..',
  '\u00e9', // é, precomposed
  'e\u0301', // é, decomposed: a different handle
  LONGEST,
  LONGEST.slice(0, -2), // the same but one code point (two UTF-16 units) shorter: a prefix of it
];

/** A readable test name: non-ASCII shown as code points too (é and e + U+0301 look alike). */
const label = (handle: string): string => {
  if (codePointLength(handle) > 40)
    return `${[...handle].slice(0, 4).join('')}… (${codePointLength(handle)} code points of 4-byte UTF-8)`;
  const ascii = /^[\x20-\x7e]*$/.test(handle);
  const points = [...handle]
    .map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`)
    .join(' ');
  return ascii ? JSON.stringify(handle) : `${JSON.stringify(handle)} (${points})`;
};

const freshAccount = (): string => `keys-${randomBytes(5).toString('hex')}`;

const seedAll = async (accounts: readonly string[]): Promise<AccountOrder[]> => {
  const orders = accounts.flatMap((account_id) =>
    HANDLES.map((order_handle, index): AccountOrder => ({
      // Lean records (identity, status, a map, a timeline): 64 of them per test stay fast on DynamoDB Local.
      account_id,
      order_handle,
      type: 'pick',
      type_index: 0,
      fulfillment_attempt: 0,
      status: 'ongoing',
      route_handle: `route-${index}`,
      metadata: { index, account_id },
      timeline: [{ type: 'order_created', recorded_at: '2024-01-01T00:00:00.000Z', order_handle }],
    })),
  );
  await dynamo.seeder.putOrders(orders);
  return orders;
};

const readAll = (orders: readonly AccountOrder[]): Promise<(RawItem | undefined)[]> => getItems(dynamo.client, orders);

describe('awkward handles', () => {
  test('the set is valid, distinct API input, and the longest is 256 code points of 4-byte UTF-8', () => {
    expect(new Set(HANDLES).size).toBe(HANDLES.length);
    for (const handle of HANDLES) expect(orderHandleSchema.safeParse(handle).success).toBe(true);
    expect(codePointLength(LONGEST)).toBe(256);
    expect(Buffer.byteLength(LONGEST, 'utf8')).toBe(1024);
  });

  test.each(HANDLES.map((handle, index) => [label(handle), index] as const))(
    '%s: completing it changes only its own record',
    async (_label, index) => {
      const account = freshAccount();
      const sibling = freshAccount();
      const orders = await seedAll([account, sibling]);
      const before = await readAll(orders);
      expect(before.every((item) => item !== undefined)).toBe(true);
      const handle = HANDLES[index] as string;
      const { deps, publisher } = makeDeps(dynamo.store);

      const result = await completeOrder(deps, { account_id: account, order_handle: handle, selector: {} });

      expect(result.transitioned).toBe(true);
      expect(result.order.order_handle).toBe(handle);
      expect(result.order.metadata).toEqual({ index, account_id: account });
      expect(publisher.published.map((detail) => [detail.account_id, detail.order_handle])).toEqual([
        [account, handle],
      ]);

      const after = await readAll(orders);
      const changed = orders.filter((_, i) => JSON.stringify(after[i]) !== JSON.stringify(before[i]));
      expect(changed.map((order) => [order.account_id, order.order_handle])).toEqual([[account, handle]]);
      orders.forEach((order, i) => {
        if (order.account_id === account && order.order_handle === handle) {
          expect(after[i]).toMatchObject({ status: 'completed', pk: `${account}#${handle}`, order_handle: handle });
        } else {
          expect(after[i]).toEqual(before[i]); // structural, not by serialisation order
        }
      });
      // The handle's partition holds this one record and nothing else.
      expect(await queryPartition(dynamo.client, account, handle)).toHaveLength(1);
    },
  );
});

describe('two accounts, one handle', () => {
  test('completing as one account never touches the other account’s record', async () => {
    const handle = uniqueHandle('shared');
    const mine = anOrder({ account_id: ACCOUNT, order_handle: handle, status: 'ongoing', worker_handle: 'mine' });
    const theirs = anOrder({
      account_id: OTHER_ACCOUNT,
      order_handle: handle,
      status: 'ongoing',
      worker_handle: 'theirs',
    });
    await dynamo.seeder.putOrders([mine, theirs]);
    const theirsBefore = await mustGetItem(dynamo.client, theirs);
    const { deps, publisher } = makeDeps(dynamo.store);

    const result = await completeOrder(deps, { account_id: ACCOUNT, order_handle: handle, selector: {} });

    expect(result.order.worker_handle).toBe('mine');
    expect((await mustGetItem(dynamo.client, mine)).status).toBe('completed');
    expect(await mustGetItem(dynamo.client, theirs)).toEqual(theirsBefore);
    expect(publisher.published.map((detail) => [detail.account_id, detail.worker_handle])).toEqual([[ACCOUNT, 'mine']]);

    // And the other way round: theirs is still completable, as theirs.
    const other = makeDeps(dynamo.store);
    const theirResult = await completeOrder(other.deps, {
      account_id: OTHER_ACCOUNT,
      order_handle: handle,
      selector: {},
    });
    expect(theirResult.transitioned).toBe(true);
    expect(theirResult.order.worker_handle).toBe('theirs');
    expect(other.publisher.published.map((detail) => detail.account_id)).toEqual([OTHER_ACCOUNT]);
  });

  test('an account with no such order gets OrderNotFound, even when another account has it', async () => {
    const theirs = anOrder({ account_id: OTHER_ACCOUNT, order_handle: uniqueHandle('only-theirs'), status: 'ongoing' });
    await dynamo.seeder.putOrders([theirs]);
    const before = await mustGetItem(dynamo.client, theirs);
    const { deps, publisher } = makeDeps(dynamo.store);

    await expect(
      completeOrder(deps, { account_id: ACCOUNT, order_handle: theirs.order_handle, selector: {} }),
    ).rejects.toBeInstanceOf(OrderNotFound);
    await expect(
      completeOrder(deps, {
        account_id: ACCOUNT,
        order_handle: theirs.order_handle,
        selector: { type: 'pick', type_index: 0, fulfillment_attempt: 0 },
      }),
    ).rejects.toBeInstanceOf(OrderNotFound);
    // An account id that is a prefix of the owner's, with the rest moved into the handle, is another partition.
    await expect(
      completeOrder(deps, { account_id: 'other', order_handle: `account#${theirs.order_handle}`, selector: {} }),
    ).rejects.toBeInstanceOf(OrderNotFound);

    expect(await mustGetItem(dynamo.client, theirs)).toEqual(before);
    expect(publisher.attempts).toEqual([]);
  });
});
