import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createCredential } from '../../../domain/credentials';
import { ORDER_FIELDS, ORDER_STATUSES } from '../../../domain/order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import type * as CompleteOrderModule from '../../../handlers/complete-order';
import { expectDocumentedError } from '../../support/error-shapes';
import { propertyParameters } from '../../support/property';
import {
  InMemoryCredentialStore,
  InMemoryOrderStore,
  ManualClock,
  RecordingPublisher,
  RecordingWarnings,
  type SeedOrder,
} from '../support/fakes';
import { apiEvent, lambdaContext } from '../support/http';

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
const SECRETS: Record<string, string> = { [ACCOUNT]: SECRET, [OTHER_ACCOUNT]: OTHER_SECRET };
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
const SEEDED_HANDLES = [...AWKWARD, 'cancelled-1', 'disabled-1', 'done-1', 'both', 'attempts', 'theirs-only'];

// ---- arbitraries ----

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

interface AuthCase {
  /** The Authorization header, or undefined for none. */
  value: string | undefined;
  /** The account these credentials authenticate, or undefined when they must be refused. */
  account: string | undefined;
  /** Strings no log line may contain. */
  secrets: string[];
}

const canary = fc.stringMatching(/^[0-9a-f]{16}$/).map((hex) => `canary-${hex}`);
const schemeWord = fc.constantFrom('Basic', 'basic', 'BASIC', 'bAsIc');
const spaces = fc.constantFrom('', ' ', '  ', '\t');

const validAuth: fc.Arbitrary<AuthCase> = fc
  .tuple(fc.constantFrom(ACCOUNT, OTHER_ACCOUNT), schemeWord, spaces, spaces)
  .map(([account, scheme, before, after]) => {
    const secret = SECRETS[account] as string;
    const token = b64(`${account}:${secret}`);
    const value = `${before}${scheme} ${token}${after}`;
    return { value, account, secrets: [secret, token, `${account}:${secret}`, value.trim()] };
  });

const refusedAuth: fc.Arbitrary<AuthCase> = fc.oneof(
  fc.constant<AuthCase>({ value: undefined, account: undefined, secrets: [] }),
  // A known account with a wrong secret (or the other account's secret).
  fc
    .tuple(fc.constantFrom(ACCOUNT, OTHER_ACCOUNT), fc.oneof(canary, fc.constantFrom(SECRET, OTHER_SECRET)))
    .map(([account, secret]): AuthCase => {
      const wrong = secret === SECRETS[account] ? `${secret}x` : secret;
      const token = b64(`${account}:${wrong}`);
      return { value: `Basic ${token}`, account: undefined, secrets: [wrong, token, `${account}:${wrong}`] };
    }),
  // An unknown account, with a real secret.
  fc.stringMatching(/^[a-z][a-z0-9._-]{2,20}$/).map((account): AuthCase => {
    const token = b64(`unknown-${account}:${SECRET}`);
    return { value: `Basic ${token}`, account: undefined, secrets: [SECRET, token, `unknown-${account}:${SECRET}`] };
  }),
  // Other schemes, or valid credentials made malformed.
  fc
    .tuple(
      fc.constantFrom(ACCOUNT, OTHER_ACCOUNT),
      fc.constantFrom(
        (t: string) => `Bearer ${t}`,
        (t: string) => `Digest ${t}`,
        (t: string) => `Basic ${t.replace(/=+$/, '')}x`,
        (t: string) => `Basic ${t} extra`,
        (t: string) => `Basic ${t}, Basic ${t}`,
        (t: string) => `Basic${t}`,
        (t: string) => `Basic ${Buffer.from(t, 'base64').toString('utf8')}`,
        (t: string) => t,
      ),
    )
    .map(([account, mangle]): AuthCase => {
      const secret = SECRETS[account] as string;
      const token = b64(`${account}:${secret}`);
      const value = mangle(token);
      return { value, account: undefined, secrets: [secret, token, `${account}:${secret}`, value] };
    }),
  // Well-formed Basic with junk inside: no colon, empty parts, '#' in the account, control characters.
  fc
    .tuple(
      fc.constantFrom(
        '',
        ':',
        'acct-1',
        'acct-1:',
        ':secret',
        'acct#1:x',
        'acct-1\n:x',
        '__proto__:x',
        'constructor:x',
      ),
      canary,
    )
    .map(([credentials, noise]): AuthCase => {
      const decoded = credentials.endsWith(':') ? `${credentials}${noise}` : credentials;
      const token = b64(decoded);
      return { value: `Basic ${token}`, account: undefined, secrets: [token, noise].filter((s) => s.length > 0) };
    }),
  // Anything at all.
  fc.string({ unit: 'binary', maxLength: 60 }).map((value): AuthCase => ({ value, account: undefined, secrets: [] })),
  fc
    .string({ unit: 'binary', maxLength: 60 })
    .map((text): AuthCase => ({ value: `Basic ${text}`, account: undefined, secrets: [] })),
  fc.constant<AuthCase>({ value: `Basic ${'A'.repeat(20_000)}`, account: undefined, secrets: [] }),
);

const authArb = fc.oneof({ weight: 3, arbitrary: validAuth }, { weight: 2, arbitrary: refusedAuth });

const handlePiece = fc.constantFrom(
  '#',
  '/',
  '%',
  '%23',
  '%2F',
  '%25',
  '|',
  '?',
  '&',
  '=',
  '+',
  ' ',
  '.',
  '..',
  '\u200b',
  '\u200d',
  '\ufeff',
  'e\u0301',
  '\u00e9',
  '🚚',
  '订单',
  '\u0000',
  '\n',
  '\ud800',
  '\udc00',
  ACCOUNT,
  OTHER_ACCOUNT,
  'order-1',
  'drop',
  '0000000000',
);

/** The path parameter: a seeded handle, a composition of awkward pieces, or something too long or broken. */
const handleArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...SEEDED_HANDLES) },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(handlePiece, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 8 })
      .map((pieces) => pieces.join('')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      `${LONGEST}🚚`,
      'x'.repeat(257),
      'x'.repeat(100_000),
      `${'🚚'.repeat(255)}\ud800`,
      `${LONGEST.slice(0, -2)}\u0301`,
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 200, maxLength: 300 }) },
);

const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('type', 'type_index', 'fulfillment_attempt') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('fulfilment_attempt', 'Type', 'type ', '__proto__', 'constructor', 'type[]', ''),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const queryValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('pick', 'drop', '0', '1') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'PICK',
      '-1',
      '1.5',
      '1e3',
      '0x10',
      ' 1',
      '01',
      '\u0663',
      '2147483647',
      '2147483648',
      '99999999999',
      'NaN',
      'Infinity',
      '9'.repeat(5_000),
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const encode = (text: string): string => encodeURIComponent(text.toWellFormed());

interface QueryCase {
  raw: string;
  /** API Gateway's parsed form (repeated keys joined with commas), or the only form given. */
  onlyParsed: boolean;
}
const queryArb: fc.Arbitrary<QueryCase> = fc.record({
  raw: fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    {
      weight: 5,
      arbitrary: fc
        .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 5 })
        .map((entries) =>
          entries.map(([key, value, raw]) => (raw ? `${key}=${value}` : `${encode(key)}=${encode(value)}`)).join('&'),
        ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  ),
  onlyParsed: fc.boolean(),
});

interface BodyCase {
  body: unknown;
  isBase64Encoded: boolean;
  contentType: string | undefined;
  contentLength: string | undefined;
}
const contentTypeArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'application/vnd.api+json',
      'application/merge-patch+json',
      'text/plain',
      'application/json, text/plain',
      'application/jsonx',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);
const bodyText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('{}', ' { } ', '{}\n', '') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'null',
      '[]',
      '"x"',
      'true',
      '0',
      '{',
      '{"a":',
      '{"__proto__":{"x":1}}',
      '{"constructor":1}',
      '{"status":"completed"}',
      '{"order_handle":"order-1","account_id":"acct-2"}',
      '\ufeff{}',
      '{}{}',
    ),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `{${' '.repeat(16_382)}}`,
      `{${' '.repeat(16_383)}}`,
      `{"k":"${'€'.repeat(5_461)}"}`,
      'x'.repeat(200_000),
    ),
  },
);
const bodyArb: fc.Arbitrary<BodyCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      body: fc.option(bodyText, { nil: undefined }),
      isBase64Encoded: fc.constant(false),
      contentType: contentTypeArb,
      contentLength: fc.constant(undefined),
    }),
  },
  // Binary or base64-flagged bodies: valid base64 of JSON or of random bytes, or a flag on text that is not base64.
  {
    weight: 2,
    arbitrary: fc.record({
      body: fc.oneof(
        bodyText.map((text) => b64(text)),
        fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constant(Buffer.alloc(16_385, 0x20).toString('base64')),
      ),
      isBase64Encoded: fc.constant(true),
      contentType: contentTypeArb,
      contentLength: fc.constant(undefined),
    }),
  },
  // What serverless offline hands over for JSON literals: already parsed, not a string.
  {
    weight: 1,
    arbitrary: fc.record({
      body: fc.constantFrom<unknown>(null, false, 0, true, {}, []),
      isBase64Encoded: fc.constant(false),
      contentType: fc.constant('application/json'),
      contentLength: fc.constantFrom(undefined, '0', '4', 'abc', '-1', '1e9'),
    }),
  },
);

const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'content-length']);
const extraHeaders = fc.dictionary(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((name) => !RESERVED_HEADERS.has(name.toLowerCase())),
  fc.string({ unit: 'binary', maxLength: 30 }),
  { maxKeys: 3 },
);

interface HostileRequest {
  auth: AuthCase;
  authHeaderName: string;
  contentTypeHeaderName: string;
  handle: string | undefined;
  query: QueryCase;
  body: BodyCase;
  extra: Record<string, string>;
}

const requestArb: fc.Arbitrary<HostileRequest> = fc.record({
  auth: authArb,
  authHeaderName: fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION'),
  contentTypeHeaderName: fc.constantFrom('content-type', 'Content-Type'),
  handle: handleArb,
  query: queryArb,
  body: bodyArb,
  extra: extraHeaders,
});

const toEvent = (request: HostileRequest): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = { ...request.extra };
  if (request.auth.value !== undefined) headers[request.authHeaderName] = request.auth.value;
  if (request.body.contentType !== undefined) headers[request.contentTypeHeaderName] = request.body.contentType;
  if (request.body.contentLength !== undefined) headers['content-length'] = request.body.contentLength;
  const parsed: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.query.raw)) {
    parsed[key] = Object.hasOwn(parsed, key) ? `${parsed[key]},${value}` : value;
  }
  const event = apiEvent({
    headers,
    rawQueryString: request.query.raw,
    queryStringParameters: request.query.raw === '' ? undefined : parsed,
    isBase64Encoded: request.body.isBase64Encoded,
  });
  if (request.handle === undefined) delete event.pathParameters;
  else event.pathParameters = { order_handle: request.handle };
  // API Gateway always sends rawQueryString; other callers may give only the parsed form.
  if (request.query.onlyParsed) Reflect.deleteProperty(event, 'rawQueryString');
  if (request.body.body !== undefined) Object.assign(event, { body: request.body.body });
  return event;
};

// ---- log capture ----

/** Writes past the capture (measurements for RELIABILITY.md). */
const report = process.stdout.write.bind(process.stdout);

const written: string[] = [];
const startCapture = (): void => {
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(`${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' ')}\n`);
    });
  }
};

/** Every form a credential could take in a log line. */
const forbiddenIn = (auth: AuthCase): string[] => {
  const forms = new Set<string>();
  for (const secret of [...auth.secrets, auth.value ?? '']) {
    const trimmed = secret.trim();
    // Short or generic strings ("Basic", "x") would match innocent text; the canaries and real secrets are long.
    if (trimmed.length >= 12) {
      forms.add(trimmed);
      forms.add(JSON.stringify(trimmed).slice(1, -1));
    }
  }
  return [...forms];
};

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
          {
            store,
            publisher,
            warnings: new RecordingWarnings(),
            now: new ManualClock(Date.parse('2025-03-01T12:00:00.000Z')).now,
            publishLeaseMs: 10_000,
          },
          credentials,
          logger,
        );

        const response: APIGatewayProxyStructuredResultV2 = await handler(
          toEvent(request),
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
              {
                store,
                publisher,
                warnings: new RecordingWarnings(),
                now: new ManualClock(Date.parse('2025-03-01T12:00:00.000Z')).now,
                publishLeaseMs: 10_000,
              },
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
          // The same work in the same order (one lookup of the caller's own partition): the same timing class.
          expect(theirs.calls).toEqual(nobodys.calls);
          expect(theirs.calls.map((call) => call.method)).toEqual(['findRecords']);
        },
      ),
      propertyParameters(200),
    );
  });
});
