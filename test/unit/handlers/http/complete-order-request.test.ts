import { describe, expect, test } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ValidationFailed, type ValidationDetail } from '../../../../handlers/http/http-error';
import { MAX_BODY_BYTES, parseCompleteOrderRequest } from '../../../../handlers/http/complete-order-request';
import { HttpError } from '../../../../handlers/http/http-error';
import { apiEvent } from '../../support/http';

const JSON_HEADERS = { 'content-type': 'application/json' };

const withBody = (
  body: string,
  headers: Record<string, string> = JSON_HEADERS,
  isBase64Encoded = false,
): APIGatewayProxyEventV2 => apiEvent({ body, headers, isBase64Encoded });
const withQuery = (rawQueryString: string): APIGatewayProxyEventV2 => apiEvent({ rawQueryString });

const thrown = (event: APIGatewayProxyEventV2): unknown => {
  try {
    parseCompleteOrderRequest(event);
  } catch (error) {
    return error;
  }
  throw new Error('expected parseCompleteOrderRequest to throw');
};

const validationDetail = (event: APIGatewayProxyEventV2): ValidationDetail => {
  const error = thrown(event);
  expect(error).toBeInstanceOf(ValidationFailed);
  return (error as ValidationFailed).detail;
};

const httpError = (event: APIGatewayProxyEventV2): HttpError => {
  const error = thrown(event);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
};

describe('parseCompleteOrderRequest: body', () => {
  test('no body is accepted', () => {
    expect(parseCompleteOrderRequest(apiEvent())).toEqual({ order_handle: 'order-1', selector: {} });
  });

  test('a null body with content-length 0 (or none) is accepted', () => {
    expect(() => parseCompleteOrderRequest(apiEvent({ headers: { 'content-length': '0' } }))).not.toThrow();
    const nullBody = apiEvent();
    Object.assign(nullBody, { body: null });
    expect(() => parseCompleteOrderRequest(nullBody)).not.toThrow();
  });

  test('no body but a non-zero content-length (serverless offline passing a JSON null) -> 422 detail.json.body', () => {
    const event = apiEvent({ headers: { 'content-type': 'application/json', 'Content-Length': '4' } });
    Object.assign(event, { body: null });
    expect(validationDetail(event)).toEqual({ json: { body: ['must be a JSON object with no fields, such as {}'] } });
  });

  test.each([false, 0, true])(
    'a body serverless offline already parsed (%p) -> 422 detail.json.body, never a crash',
    (parsed) => {
      const event = apiEvent({
        headers: { 'content-type': 'application/json', 'content-length': String(String(parsed).length) },
      });
      Object.assign(event, { body: parsed });
      expect(validationDetail(event)).toEqual({ json: { body: ['must be a JSON object with no fields, such as {}'] } });
    },
  );

  test('an empty body is accepted without a content type', () => {
    expect(parseCompleteOrderRequest(apiEvent({ body: '' }))).toEqual({ order_handle: 'order-1', selector: {} });
  });

  test.each(['{}', ' { } ', '{}\n'])('%j with application/json is accepted', (body) => {
    expect(parseCompleteOrderRequest(withBody(body))).toEqual({ order_handle: 'order-1', selector: {} });
  });

  test.each([
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/merge-patch+json',
    'application/vnd.orders.v1+json',
  ])('content type %j counts as JSON', (contentType) => {
    expect(() => parseCompleteOrderRequest(withBody('{}', { 'content-type': contentType }))).not.toThrow();
  });

  test('the content-type header is found whatever its case', () => {
    expect(() => parseCompleteOrderRequest(withBody('{}', { 'Content-Type': 'application/json' }))).not.toThrow();
  });

  test('a whitespace-only body with application/json is malformed JSON (422)', () => {
    expect(validationDetail(withBody('  '))).toEqual({ json: { body: ['malformed JSON'] } });
  });

  test('a whitespace-only body without a content type is 415 (it is not empty)', () => {
    expect(httpError(withBody('  ', {})).statusCode).toBe(415);
  });

  test('a body with a field -> ValidationFailed detail.json.<field>', () => {
    expect(validationDetail(withBody('{"note":"hi"}'))).toEqual({ json: { note: ['unknown field'] } });
  });

  test('every unknown field is named', () => {
    const detail = validationDetail(withBody('{"a":1,"b":{"c":2}}'));
    expect(Object.keys(detail.json ?? {}).sort()).toEqual(['a', 'b']);
  });

  test('malformed JSON -> detail.json.body', () => {
    expect(validationDetail(withBody('{"a":'))).toEqual({ json: { body: ['malformed JSON'] } });
  });

  test.each(['[]', 'null', '"{}"', '42', 'true'])('%s is not a JSON object -> 422 detail.json.body', (body) => {
    const detail = validationDetail(withBody(body));
    expect(detail.json?.body).toEqual(['must be a JSON object with no fields, such as {}']);
  });

  test('a body over 16 KiB -> HttpError 413 with max_bytes', () => {
    const error = httpError(withBody(`{}${' '.repeat(MAX_BODY_BYTES - 1)}`));
    expect(error.statusCode).toBe(413);
    expect(error.detail).toEqual({ max_bytes: 16_384 });
    expect(MAX_BODY_BYTES).toBe(16_384);
  });

  test('a body of exactly 16 KiB is accepted', () => {
    expect(() => parseCompleteOrderRequest(withBody(`{}${' '.repeat(MAX_BODY_BYTES - 2)}`))).not.toThrow();
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    const body = `{"x":"${'€'.repeat(6_000)}"}`; // ~6 000 characters, ~18 000 bytes
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(httpError(withBody(body)).statusCode).toBe(413);
  });

  test('413 is decided before the content type is looked at', () => {
    expect(httpError(withBody('x'.repeat(MAX_BODY_BYTES + 1), { 'content-type': 'text/plain' })).statusCode).toBe(413);
  });

  test.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['application/jsonp', { 'content-type': 'application/jsonp' }],
    ['no content type', {}],
  ])('a body with %s -> HttpError 415', (_label, headers) => {
    const error = httpError(withBody('{}', headers));
    expect(error.statusCode).toBe(415);
    expect(error.detail).toEqual({ content_type: ['must be application/json'] });
  });

  test('a base64 body is decoded before it is checked', () => {
    const encoded = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    expect(() => parseCompleteOrderRequest(withBody(encoded('{}'), JSON_HEADERS, true))).not.toThrow();
    expect(validationDetail(withBody(encoded('{"x":1}'), JSON_HEADERS, true))).toEqual({
      json: { x: ['unknown field'] },
    });
    expect(validationDetail(withBody(encoded('nope'), JSON_HEADERS, true))).toEqual({
      json: { body: ['malformed JSON'] },
    });
  });

  test('a base64 body is measured after decoding', () => {
    const decoded = `{}${' '.repeat(MAX_BODY_BYTES - 2)}`;
    const encoded = Buffer.from(decoded).toString('base64');
    expect(encoded.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(() => parseCompleteOrderRequest(withBody(encoded, JSON_HEADERS, true))).not.toThrow();
    const tooBig = Buffer.from(`${decoded} `).toString('base64');
    expect(httpError(withBody(tooBig, JSON_HEADERS, true)).statusCode).toBe(413);
  });

  test('an empty base64 body is accepted', () => {
    expect(() => parseCompleteOrderRequest(apiEvent({ body: '', isBase64Encoded: true }))).not.toThrow();
  });

  // Regression: field names like Object.prototype members must be plain keys (null-prototype error maps), not a 500.
  test.each(['{"constructor":1}', '{"toString":1}', '{"__proto__":{}}'])(
    'a body with the field %s -> 422 naming that field (not a TypeError/500)',
    (body) => {
      const detail = validationDetail(withBody(body));
      expect(Object.hasOwn(detail.json ?? {}, Object.keys(JSON.parse(body) as object)[0] ?? '')).toBe(true);
    },
  );
});

describe('parseCompleteOrderRequest: query', () => {
  test('no query -> empty selector', () => {
    expect(parseCompleteOrderRequest(withQuery('')).selector).toEqual({});
  });

  test('a valid query builds the selector with numbers', () => {
    expect(parseCompleteOrderRequest(withQuery('type=drop&type_index=2&fulfillment_attempt=3')).selector).toStrictEqual(
      {
        type: 'drop',
        type_index: 2,
        fulfillment_attempt: 3,
      },
    );
  });

  test('a partial query sets only what it names', () => {
    expect(parseCompleteOrderRequest(withQuery('fulfillment_attempt=0')).selector).toStrictEqual({
      fulfillment_attempt: 0,
    });
  });

  test('percent-encoded values are decoded', () => {
    expect(parseCompleteOrderRequest(withQuery('type=%70ick&type_index=%31')).selector).toEqual({
      type: 'pick',
      type_index: 1,
    });
  });

  test('the largest index is accepted', () => {
    expect(parseCompleteOrderRequest(withQuery('type_index=2147483647')).selector).toEqual({
      type_index: 2_147_483_647,
    });
  });

  test.each(['parcel', 'PICK', ''])('type=%j -> detail.query.type', (value) => {
    expect(validationDetail(withQuery(`type=${value}`))).toEqual({ query: { type: ['must be one of: pick, drop'] } });
  });

  test.each([
    ['-1', 'must be a non-negative integer'],
    ['1.5', 'must be a non-negative integer'],
    ['1e3', 'must be a non-negative integer'],
    ['abc', 'must be a non-negative integer'],
    ['', 'must be a non-negative integer'],
    [' 1', 'must be a non-negative integer'],
    ['12345678901', 'must be a non-negative integer'],
    ['2147483648', 'must be at most 2147483647'],
    ['9999999999', 'must be at most 2147483647'],
  ])('type_index=%j -> detail.query.type_index', (value, message) => {
    const detail = validationDetail(withQuery(`type_index=${encodeURIComponent(value)}`));
    expect(detail).toEqual({ query: { type_index: [message] } });
  });

  test('fulfillment_attempt is checked the same way', () => {
    expect(validationDetail(withQuery('fulfillment_attempt=-3')).query?.fulfillment_attempt).toEqual([
      'must be a non-negative integer',
    ]);
  });

  test('a repeated parameter is refused, even with equal values', () => {
    expect(validationDetail(withQuery('type=pick&type=drop'))).toEqual({
      query: { type: ['must be given at most once'] },
    });
    expect(validationDetail(withQuery('type_index=1&type_index=1'))).toEqual({
      query: { type_index: ['must be given at most once'] },
    });
  });

  // Every problem at once: a repeated parameter whose value is also invalid reports both.
  test('a repeated parameter with an invalid value reports both problems', () => {
    const detail = validationDetail(withQuery('type=bad&type=pick'));
    expect(detail.query?.type).toEqual(
      expect.arrayContaining(['must be given at most once', 'must be one of: pick, drop']),
    );
  });

  test('an unknown parameter (a typo) is refused by name', () => {
    const detail = validationDetail(withQuery('fulfilment_attempt=1'));
    expect(detail.query?.fulfilment_attempt).toEqual([
      'unknown query parameter; expected one of: type, type_index, fulfillment_attempt',
    ]);
  });

  test('an unknown parameter is refused even next to valid ones', () => {
    const detail = validationDetail(withQuery('type=pick&Type=drop'));
    expect(Object.keys(detail.query ?? {})).toEqual(['Type']);
  });

  test.each(['constructor', 'toString', 'hasOwnProperty'])('an unknown parameter named %s is refused', (name) => {
    expect(Object.hasOwn(validationDetail(withQuery(`${name}=1`)).query ?? {}, name)).toBe(true);
  });

  // Regression: `?__proto__=x` must be refused as unknown, never silently ignored.
  test('an unknown parameter named __proto__ is refused', () => {
    expect(thrown(withQuery('__proto__=1&type=pick'))).toBeInstanceOf(ValidationFailed);
  });

  test('falls back to queryStringParameters when rawQueryString is absent', () => {
    const event = apiEvent({ queryStringParameters: { type: 'pick', type_index: '4' } });
    Reflect.deleteProperty(event, 'rawQueryString');
    expect(parseCompleteOrderRequest(event).selector).toEqual({ type: 'pick', type_index: 4 });
  });
});

describe('parseCompleteOrderRequest: path', () => {
  test.each([
    ['#', 'a#b#c'],
    ['/', 'a/b/c'],
    ['%', '100%'],
    ['percent-escape look-alike', 'a%2Fb'],
    ['unicode', 'заказ-\u{1F69A}-注文'],
    ['key-layout look-alike', 'acct-2#pick#0000000000#0000000000'],
    ['spaces', '  spaced  '],
  ])('a handle with %s passes unchanged', (_label, handle) => {
    expect(parseCompleteOrderRequest(apiEvent({ pathParameters: { order_handle: handle } })).order_handle).toBe(handle);
  });

  test('256 emoji pass, 257 do not', () => {
    const ok = '\u{1F600}'.repeat(256);
    expect(parseCompleteOrderRequest(apiEvent({ pathParameters: { order_handle: ok } })).order_handle).toBe(ok);
    const detail = validationDetail(apiEvent({ pathParameters: { order_handle: `${ok}\u{1F600}` } }));
    expect(detail.path?.order_handle).toEqual(['must be at most 256 characters']);
  });

  test('a lone surrogate in the handle -> detail.path.order_handle', () => {
    expect(validationDetail(apiEvent({ pathParameters: { order_handle: 'x\uD800' } })).path?.order_handle).toEqual([
      'must be valid Unicode text',
    ]);
  });

  test('a missing path parameter -> detail.path.order_handle', () => {
    const event = apiEvent();
    Reflect.deleteProperty(event, 'pathParameters');
    expect(Object.keys(validationDetail(event).path ?? {})).toEqual(['order_handle']);
  });
});

describe('parseCompleteOrderRequest: every problem at once', () => {
  test('path, query and json errors are reported together', () => {
    const event = apiEvent({
      pathParameters: { order_handle: '' },
      rawQueryString: 'type=parcel&type_index=-1&fulfilment_attempt=2',
      body: '{"reason":"done"}',
      headers: JSON_HEADERS,
    });
    expect(validationDetail(event)).toEqual({
      path: { order_handle: ['must not be empty'] },
      query: {
        type: ['must be one of: pick, drop'],
        type_index: ['must be a non-negative integer'],
        fulfilment_attempt: ['unknown query parameter; expected one of: type, type_index, fulfillment_attempt'],
      },
      json: { reason: ['unknown field'] },
    });
  });

  test('only the locations with problems appear in the detail', () => {
    expect(Object.keys(validationDetail(withQuery('type=x')))).toEqual(['query']);
  });
});
