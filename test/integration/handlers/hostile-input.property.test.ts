// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import '../support/env';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Logger } from '@aws-lambda-powertools/logger';
import { orderHandleSchema } from '../../../domain/order-fields';
import type { AccountOrder } from '../../../domain/order';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { expectDocumentedError } from '../../support/error-shapes';
import { hostileRequests, toApiGatewayEvent } from '../../support/hostile-requests';
import { propertyParameters } from '../../support/property';
import { ACCOUNT, OTHER_ACCOUNT, type RawItem } from '../support/dynamo';
import { localCredentials } from '../support/credentials';
import { makeDeps } from '../../support/fakes';
import { LOCAL_AUTH, completeEvent, lambdaContext, parseResponse } from '../support/http';
import { changedItems, freshTable, type Table } from '../support/fresh-table';

/**
 * Hostile input against the real DynamoDB store on DynamoDB Local, through the whole handler, with a
 * table of this file's own: a snapshot of the entire table before and after each request proves that
 * a 4xx wrote nothing anywhere and that a 200 changed exactly the caller's record of exactly that handle.
 * Fewer runs than the unit property (each run is a few DynamoDB round trips); seed: test/support/property.ts.
 */
const credentials = localCredentials();
const logger = new Logger({ serviceName: 'orders-complete-integration', logLevel: 'SILENT' });
const SECRETS = { [ACCOUNT]: 'local-secret', [OTHER_ACCOUNT]: 'other-secret' };

let table: Table;
beforeAll(async () => {
  table = await freshTable('hostile');
});
afterAll(() => table.drop());

const handlerFor = () => {
  const { deps, publisher } = makeDeps(table.store);
  return { handler: createCompleteOrderHandler(deps, credentials, logger), publisher };
};

const FOUR_BYTE = ['🚚', '😀', '𝕏', '𠜎'];
const LONGEST = Array.from({ length: 256 }, (_, i) => FOUR_BYTE[i % FOUR_BYTE.length]).join('');

const lean = (account_id: string, order_handle: string, overrides: Partial<AccountOrder> = {}): AccountOrder => ({
  account_id,
  order_handle,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'ongoing',
  route_handle: 'route-1',
  metadata: { account_id, order_handle },
  timeline: [{ type: 'order_created', recorded_at: '2024-01-01T00:00:00.000Z' }],
  ...overrides,
});

const ALLOWED = new Set([200, 401, 404, 409, 413, 415, 422]);

describe('hostile requests against DynamoDB Local (property-based, whole-table snapshot)', () => {
  const handles = [
    'order-1',
    'order-1#x',
    'x#order-1',
    'order-1%23x',
    'a/b',
    'a%2Fb',
    'a|b',
    `${OTHER_ACCOUNT}#order-1`,
    `${ACCOUNT}#order-1`,
    'drop#0000000000#0000000000',
    'caf\u00e9',
    'cafe\u0301',
    'zero\u200bwidth',
    LONGEST,
  ];

  test('never a 500, the documented shape, no item changed by any 4xx', async () => {
    await table.clear();
    await table.seeder.putOrders([
      ...handles.flatMap((handle) => [lean(ACCOUNT, handle), lean(OTHER_ACCOUNT, handle)]),
      lean(ACCOUNT, 'cancelled-1', { status: 'cancelled' }),
      lean(ACCOUNT, 'both', { type: 'pick' }),
      lean(ACCOUNT, 'both', { type: 'drop' }),
    ]);
    const requests = hostileRequests({ accounts: SECRETS, seededHandles: [...handles, 'cancelled-1', 'both'] });
    const seen = new Map<number, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const before = await table.snapshot();
        const { handler, publisher } = handlerFor();
        const response = parseResponse(
          await handler(toApiGatewayEvent(request), lambdaContext() as AuthenticatedContext),
        );
        const after = await table.snapshot();
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);

        expect(ALLOWED.has(response.statusCode)).toBe(true);
        const changed = changedItems(before, after);
        if (response.statusCode === 200) {
          expect(request.auth.account).toBeDefined();
          expect(response.body.order_handle).toBe(request.handle);
          expect(changed.length).toBeLessThanOrEqual(1);
          for (const item of changed) {
            expect([item.account_id, item.order_handle]).toEqual([request.auth.account, request.handle]);
          }
        } else {
          expectDocumentedError(response.statusCode, response.body);
          expect(changed).toEqual([]);
          expect(publisher.attempts).toEqual([]);
        }
        if (request.auth.account === undefined) expect(response.statusCode).toBe(401);
      }),
      propertyParameters(80),
    );
    process.stdout.write(
      `hostile-input (DynamoDB Local): ${propertyParameters(80).numRuns} runs in ${Date.now() - started} ms, ` +
        `statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}\n`,
    );
    expect(seen.get(200) ?? 0).toBeGreaterThan(0);
    expect(seen.get(422) ?? 0).toBeGreaterThan(0);
  });
});

describe('look-alike handles never reach another record (property-based, whole-table snapshot)', () => {
  const piece = fc.constantFrom(
    '#',
    '##',
    '/',
    '%',
    '%23',
    '%2F',
    '%25',
    '|',
    ' ',
    '+',
    '\u200b',
    '\u200d',
    '\u2060',
    '\ufeff',
    'e\u0301',
    '\u00e9',
    '\u212b', // Å (ANGSTROM SIGN), NFC-normalises to U+00C5
    '\u00c5',
    '🚚',
    '𝕏',
    ACCOUNT,
    OTHER_ACCOUNT,
    'order-1',
    'drop',
    'pick',
    '0000000000',
  );
  const handleArb = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom(LONGEST, LONGEST.slice(0, -2), '#'.repeat(256), '%23'.repeat(85)) },
  );

  /** Handles a confused key layout, decoder or normaliser could mistake for `handle`. */
  const lookAlikes = (handle: string): string[] => {
    const candidates = [
      handle,
      `${handle}#x`,
      `x#${handle}`,
      `${handle}#`,
      `#${handle}`,
      `${handle}#drop#0000000000#0000000000`,
      `${ACCOUNT}#${handle}`,
      `${OTHER_ACCOUNT}#${handle}`,
      encodeURIComponent(handle.toWellFormed()),
      handle.replaceAll('#', '%23'),
      handle.replaceAll('%23', '#'),
      handle.replaceAll('%2F', '/'),
      handle.normalize('NFC'),
      handle.normalize('NFD'),
      handle.normalize('NFKC'),
      handle.replace(/\u200b|\u200d|\u2060|\ufeff/g, ''),
      `${handle}\u200b`,
      handle.toUpperCase(),
      handle.slice(0, -1),
      `${handle} `,
    ];
    return [...new Set(candidates)].filter((candidate) => orderHandleSchema.safeParse(candidate).success);
  };

  test('completing one handle changes exactly that account’s record of exactly that handle', async () => {
    const started = Date.now();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        handleArb.filter((handle) => orderHandleSchema.safeParse(handle).success),
        async (handle) => {
          runs += 1;
          await table.clear();
          const family = lookAlikes(handle);
          await table.seeder.putOrders(family.flatMap((h) => [lean(ACCOUNT, h), lean(OTHER_ACCOUNT, h)]));
          const before = await table.snapshot();
          expect(before).toHaveLength(family.length * 2);
          const { handler, publisher } = handlerFor();

          const response = parseResponse(
            await handler(
              completeEvent(handle, { authorization: LOCAL_AUTH, body: '{}', contentType: 'application/json' }),
              lambdaContext() as AuthenticatedContext,
            ),
          );

          expect(response.statusCode).toBe(200);
          expect(response.body).toMatchObject({
            order_handle: handle,
            status: 'completed',
            metadata: { account_id: ACCOUNT, order_handle: handle },
          });
          const changed: RawItem[] = changedItems(before, await table.snapshot());
          expect(changed.map((item) => [item.pk, item.account_id, item.order_handle, item.status])).toEqual([
            [`${ACCOUNT}#${handle}`, ACCOUNT, handle, 'completed'],
          ]);
          expect(publisher.published.map((detail) => [detail.account_id, detail.order_handle])).toEqual([
            [ACCOUNT, handle],
          ]);
        },
      ),
      propertyParameters(40),
    );
    process.stdout.write(`look-alike handles (DynamoDB Local): ${runs} runs in ${Date.now() - started} ms\n`);
  });
});
