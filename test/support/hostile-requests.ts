import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Generators of hostile requests to POST /orders/{order_handle}/complete, shared by the unit and
 * integration property tests: credentials (valid, refused, malformed), awkward or broken path handles,
 * query strings (repeated keys, huge values, unicode, invalid numbers), header sets (casing, content
 * types) and bodies (binary, base64-flagged, invalid JSON, huge, already-parsed). Each request knows
 * which account it authenticates (if any) and which strings must never appear in a log line.
 */

const LONGEST = '🚚'.repeat(256);

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export interface AuthCase {
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

export interface QueryCase {
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

export interface BodyCase {
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
      // Deep nesting inside the size limit: the parser's recursion, not the byte count, is the risk.
      '['.repeat(16_000),
      `${'['.repeat(8_000)}${']'.repeat(8_000)}`,
      `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`,
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

export interface HostileRequest {
  auth: AuthCase;
  authHeaderName: string;
  contentTypeHeaderName: string;
  handle: string | undefined;
  query: QueryCase;
  body: BodyCase;
  extra: Record<string, string>;
}

/** Who may call (account id -> secret; at least two accounts) and which handles exist, for the generators. */
export interface HostileSetup {
  accounts: Readonly<Record<string, string>>;
  /** Handles seeded in the store, so that some generated requests reach real records. */
  seededHandles: readonly string[];
  /**
   * Put before every generated (not seeded) handle, so that requests against a shared table can only ever
   * reach records of this test (the e2e stack's table also holds other tests' orders).
   */
  handlePrefix?: string;
}

/** Arbitrary requests: credentials (valid, refused, malformed), path handles, query strings, headers, bodies. */
export const hostileRequests = (setup: HostileSetup): fc.Arbitrary<HostileRequest> => {
  const [ACCOUNT, OTHER_ACCOUNT] = Object.keys(setup.accounts) as [string, string];
  const SECRETS = setup.accounts;
  const SECRET = SECRETS[ACCOUNT] as string;
  const OTHER_SECRET = SECRETS[OTHER_ACCOUNT] as string;
  const SEEDED_HANDLES = setup.seededHandles;
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
  const prefix = setup.handlePrefix ?? '';
  const generatedHandle: fc.Arbitrary<string | undefined> = fc.oneof(
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
  const handleArb: fc.Arbitrary<string | undefined> = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...SEEDED_HANDLES) },
    {
      weight: 7,
      arbitrary: generatedHandle.map((handle) => (handle === undefined || handle === '' ? handle : prefix + handle)),
    },
  );

  const hostile: fc.Arbitrary<HostileRequest> = fc.record({
    auth: authArb,
    authHeaderName: fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION'),
    contentTypeHeaderName: fc.constantFrom('content-type', 'Content-Type'),
    handle: handleArb,
    query: queryArb,
    body: bodyArb,
    extra: extraHeaders,
  });
  // Well-formed requests for the seeded handles, so that 200, 404, 409 and the ambiguity 422 come up often too.
  const wellFormed: fc.Arbitrary<HostileRequest> = fc.record({
    auth: validAuth,
    authHeaderName: fc.constantFrom('authorization', 'Authorization'),
    contentTypeHeaderName: fc.constant('content-type'),
    handle: fc.constantFrom(...SEEDED_HANDLES),
    query: fc.record({
      raw: fc.constantFrom('', 'type=drop', 'type=pick', 'fulfillment_attempt=1', 'type=drop&type_index=0'),
      onlyParsed: fc.constant(false),
    }),
    body: fc.record({
      body: fc.constantFrom(undefined, '{}'),
      isBase64Encoded: fc.constant(false),
      contentType: fc.constant('application/json'),
      contentLength: fc.constant(undefined),
    }),
    extra: fc.constant({}),
  });

  return fc.oneof({ weight: 4, arbitrary: hostile }, { weight: 1, arbitrary: wellFormed });
};

export const toApiGatewayEvent = (request: HostileRequest): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = { ...request.extra };
  if (request.auth.value !== undefined) headers[request.authHeaderName] = request.auth.value;
  if (request.body.contentType !== undefined) headers[request.contentTypeHeaderName] = request.body.contentType;
  if (request.body.contentLength !== undefined) headers['content-length'] = request.body.contentLength;
  const parsed: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.query.raw)) {
    parsed[key] = Object.hasOwn(parsed, key) ? `${parsed[key]},${value}` : value;
  }
  const rawPath = `/orders/${encode(request.handle ?? '')}/complete`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: 'POST /orders/{order_handle}/complete',
    rawPath,
    rawQueryString: request.query.raw,
    headers,
    ...(request.query.raw === '' ? {} : { queryStringParameters: parsed }),
    ...(request.handle === undefined ? {} : { pathParameters: { order_handle: request.handle } }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'hostile' },
      requestId: 'request-1',
      routeKey: 'POST /orders/{order_handle}/complete',
      stage: '$default',
      time: '01/Mar/2025:12:00:00 +0000',
      timeEpoch: 1_740_830_400_000,
    },
    isBase64Encoded: request.body.isBase64Encoded,
  };
  // API Gateway always sends rawQueryString; other callers may give only the parsed form.
  if (request.query.onlyParsed) Reflect.deleteProperty(event, 'rawQueryString');
  if (request.body.body !== undefined) Object.assign(event, { body: request.body.body });
  return event;
};

/** Every form a credential could take in a log line. */
export const forbiddenIn = (auth: AuthCase): string[] => {
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
