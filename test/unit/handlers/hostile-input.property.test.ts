import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createCredential } from '../../../domain/credentials';
import { ORDER_FIELDS, ORDER_STATUSES } from '../../../domain/order-fields';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import type * as CompleteOrderModule from '../../../handlers/complete-order';
import { expectDocumentedError } from '../../support/error-shapes';
import { b64, forbiddenIn, hostileRequests, toApiGatewayEvent } from '../../support/hostile-requests';
import { propertyParameters } from '../../support/property';
import { InMemoryCredentialStore, InMemoryOrderStore, type SeedOrder } from '../support/fakes';
import { ManualClock, RecordingPublisher, makeDeps } from '../../support/fakes';
import { apiEvent, lambdaContext } from '../support/http';
import { captureOutput } from '../support/output';

/**
 * Hostile input, property-based, against the real handler (middy, logger, error mapper, Basic auth,
 * request checks, use case) with in-memory ports. Arbitrary path handles, query strings, header sets
 * and bodies; for every one:
 *   - the answer is one of the documented statuses, never a 500, always JSON;
 *   - a non-200 body is exactly the documented `{message, detail}` of its status and shows no order;
 *   - bad credentials are 401 before the store is touched;
 *   - a 4xx leaves every stored item as it was and publishes nothing;
 *   - a 200 changed only the authenticated account's record of exactly that handle;
 *   - no log line carries the secret, the Authorization value, its token or the decoded `account:secret`.
 * Seed and run count: test/support/property.ts (FC_SEED, FC_RUNS_FACTOR).
 */

let createCompleteOrderHandler: typeof CompleteOrderModule.createCompleteOrderHandler;
beforeAll(async () => {
  ({ createCompleteOrderHandler } = await import('../../../handlers/complete-order'));
});

const ACCOUNT = 'acct-1';
const OTHER_ACCOUNT = 'acct-2';
const SECRET = 'S3cret-value-4f1c9e7a';
const OTHER_SECRET = 'Other-secret-0b8d2c55';
const credentialDocument = {
  [ACCOUNT]: createCredential(SECRET),
  [OTHER_ACCOUNT]: createCredential(OTHER_SECRET),
};

const LONGEST = '🚚'.repeat(256);
/** Handles completable in ACCOUNT, including look-alikes of the key layout and of each other. */
const AWKWARD = [
  'order-1',
  'a#b',
  'a/b',
  'a%23b',
  'a%2Fb',
  'a|b',
  `${OTHER_ACCOUNT}#order-1`,
  'order-1#x',
  'x#order-1',
  'drop#0000000000#0000000000',
  'caf\u00e9',
  'cafe\u0301',
  'zero\u200bwidth',
  LONGEST,
];

const order = (handle: string, overrides: Partial<SeedOrder> = {}): SeedOrder => ({
  order_handle: handle,
  type: 'drop',
  type_index: 0,
  fulfillment_attempt: 0,
  status: 'ongoing',
  route_handle: 'route-1',
  metadata: { owner: 'seed' },
  ...overrides,
});

const seedStore = (store: InMemoryOrderStore): void => {
  for (const handle of AWKWARD) store.put(ACCOUNT, order(handle, { metadata: { owner: ACCOUNT } }));
  store.put(ACCOUNT, order('cancelled-1', { status: 'cancelled' }));
  store.put(ACCOUNT, order('disabled-1', { status: 'disabled' }));
  store.put(ACCOUNT, order('done-1', { status: 'completed', completed_at: '2025-01-01T00:00:00.000Z' }));
  store.put(ACCOUNT, order('both', { type: 'pick' }));
  store.put(ACCOUNT, order('both', { type: 'drop' }));
  store.put(ACCOUNT, order('attempts', { status: 'cancelled' }));
  store.put(ACCOUNT, order('attempts', { fulfillment_attempt: 1, status: 'dispatched' }));
  store.put(OTHER_ACCOUNT, order('order-1', { metadata: { owner: OTHER_ACCOUNT } }));
  store.put(OTHER_ACCOUNT, order('theirs-only', { metadata: { owner: OTHER_ACCOUNT } }));
};
const requestArb = hostileRequests({
  accounts: { [ACCOUNT]: SECRET, [OTHER_ACCOUNT]: OTHER_SECRET },
  seededHandles: [...AWKWARD, 'cancelled-1', 'disabled-1', 'done-1', 'both', 'attempts', 'theirs-only'],
});

// ---- log capture ----

/** Writes past the capture (measurements for RELIABILITY.md). */
const report = process.stdout.write.bind(process.stdout);

const written: string[] = [];
const startCapture = (): void => captureOutput(written, { console: true });

// ---- the property ----

const ALLOWED = new Set([200, 401, 404, 409, 413, 415, 422]);

describe('hostile requests to the complete-order handler (property-based)', () => {
  beforeEach(startCapture);
  afterEach(() => {
    jest.restoreAllMocks();
    written.length = 0;
  });

  const seen = new Map<number, number>();
  afterAll(() => {
    // Printed for RELIABILITY.md: how the generated requests spread over the answers.
    report(`hostile-input statuses: ${JSON.stringify(Object.fromEntries([...seen].sort()))}\n`);
  });

  test('never a 500, always the documented shape, no write on any 4xx, no credential in any log line', async () => {
    const logger = new Logger({ serviceName: 'orders-complete-unit', logLevel: 'DEBUG' });
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        written.length = 0;
        const store = new InMemoryOrderStore();
        seedStore(store);
        const before = store.snapshot();
        const publisher = new RecordingPublisher();
        const credentials = new InMemoryCredentialStore(credentialDocument);
        const handler = createCompleteOrderHandler(
          makeDeps(store, { publisher, now: new ManualClock(Date.parse('2025-03-01T12:00:00.000Z')).now }).deps,
          credentials,
          logger,
        );

        const response: APIGatewayProxyStructuredResultV2 = await handler(
          toApiGatewayEvent(request),
          lambdaContext() as AuthenticatedContext,
        );

        const status = response.statusCode ?? 0;
        seen.set(status, (seen.get(status) ?? 0) + 1);
        expect(ALLOWED.has(status)).toBe(true);
        expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
        const body = JSON.parse(response.body ?? '') as Record<string, unknown>;

        if (request.auth.account === undefined) {
          expect(status).toBe(401);
          expect(store.calls).toEqual([]);
        }
        if (status === 401) {
          expect(String(response.headers?.['www-authenticate'])).toMatch(/^Basic realm="orders"/);
        }

        const after = store.snapshot();
        if (status === 200) {
          expect(request.auth.account).toBeDefined();
          expect(body.order_handle).toBe(request.handle);
          expect(body.status).toBe('completed');
          expect(Object.keys(body).every((field) => ORDER_FIELDS.includes(field))).toBe(true);
          // At most one item changed, and it is the caller's record of exactly this handle.
          const changed = after.filter((item, i) => JSON.stringify(item) !== JSON.stringify(before[i]));
          expect(after).toHaveLength(before.length);
          for (const item of changed) {
            expect([item.account_id, item.order_handle]).toEqual([request.auth.account, request.handle]);
          }
          expect(changed.length).toBeLessThanOrEqual(1);
          expect(publisher.published).toHaveLength(changed.length);
        } else {
          expectDocumentedError(status, body);
          expect(after).toEqual(before);
          expect(publisher.attempts).toEqual([]);
        }

        const logs = written.join('');
        for (const forbidden of forbiddenIn(request.auth)) expect(logs).not.toContain(forbidden);
        expect(logs.toLowerCase()).not.toContain('authorization');
      }),
      propertyParameters(600),
    );
    const elapsed = Date.now() - started;
    report(`hostile-input: ${propertyParameters(600).numRuns} runs in ${elapsed} ms\n`);
    // Every kind of answer was reached: the generators are not stuck on one path.
    for (const status of [200, 401, 404, 409, 413, 415, 422]) expect(seen.get(status) ?? 0).toBeGreaterThan(0);
  });
});

describe('cross-account (property-based)', () => {
  const handleArbValid = fc.oneof(
    fc.constantFrom(...AWKWARD),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((text) => text.isWellFormed()),
  );

  test('another account’s order answers exactly like a handle nobody has: same response, same store calls', async () => {
    const logger = new Logger({ serviceName: 'orders-complete-unit', logLevel: 'SILENT' });
    await fc.assert(
      fc.asyncProperty(
        handleArbValid,
        fc.constantFrom(...ORDER_STATUSES),
        fc.constantFrom('', 'type=drop', 'type=drop&type_index=0&fulfillment_attempt=0', 'fulfillment_attempt=0'),
        fc.boolean(),
        async (handle, status, rawQueryString, twoParts) => {
          const run = async (seed: boolean) => {
            const store = new InMemoryOrderStore();
            if (seed) {
              store.put(ACCOUNT, order(handle, { status, metadata: { secret_of: ACCOUNT } }));
              if (twoParts) store.put(ACCOUNT, order(handle, { type: 'pick', status }));
            }
            const before = store.snapshot();
            const publisher = new RecordingPublisher();
            const handler = createCompleteOrderHandler(
              makeDeps(store, { publisher, now: new ManualClock(Date.parse('2025-03-01T12:00:00.000Z')).now }).deps,
              new InMemoryCredentialStore(credentialDocument),
              logger,
            );
            const event = apiEvent({
              pathParameters: { order_handle: handle },
              rawQueryString,
              headers: { authorization: `Basic ${b64(`${OTHER_ACCOUNT}:${OTHER_SECRET}`)}` },
            });
            const response = await handler(event, lambdaContext() as AuthenticatedContext);
            expect(store.snapshot()).toEqual(before);
            expect(publisher.attempts).toEqual([]);
            return { response, calls: store.calls };
          };
          const theirs = await run(true);
          const nobodys = await run(false);
          expect(theirs.response.statusCode).toBe(404);
          expect(theirs.response).toEqual(nobodys.response);
          // The same work in the same order, one call on the caller's own partition: the same timing class. A query
          // naming the exact record skips the lookup and goes straight to the conditional write, which finds nothing.
          expect(theirs.calls).toEqual(nobodys.calls);
          const exact = /type=.*type_index=.*fulfillment_attempt=/.test(rawQueryString);
          expect(theirs.calls.map((call) => call.method)).toEqual([exact ? 'complete' : 'findRecords']);
          expect(JSON.stringify(theirs.calls)).toContain(OTHER_ACCOUNT);
          expect(JSON.stringify(theirs.calls)).not.toContain(`"${ACCOUNT}"`);
        },
      ),
      propertyParameters(200),
    );
  });
});
