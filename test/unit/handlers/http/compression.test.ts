import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import {
  GZIP_THRESHOLD_BYTES,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  ResponseTooLarge,
  acceptsGzip,
  encodeResponse,
} from '../../../../handlers/http/compression';
import { jsonResponse } from '../../../../handlers/http/responses';

describe('acceptsGzip (RFC 9110 section 12.5.3)', () => {
  test.each([
    [undefined, true], // no header: any coding is acceptable
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['GZip;q=0.5', true],
    ['x-gzip', true],
    ['*', true],
    ['br;q=1, *;q=0.1', true],
    ['', false], // an empty header: identity only
    ['identity', false],
    ['br, deflate', false],
    ['gzip;q=0', false],
    ['*;q=0', false],
    ['*, gzip;q=0', false],
    ['gzip;q=0, *', false],
  ])('%j -> %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

const orderOf = (bytes: number) => ({ order_handle: 'o', padding: 'x'.repeat(bytes) });

describe('encodeResponse', () => {
  test('at or under the threshold: the answer as it was, whatever the header', () => {
    const response = jsonResponse(200, orderOf(GZIP_THRESHOLD_BYTES - 100));
    expect(Buffer.byteLength(response.body ?? '')).toBeLessThanOrEqual(GZIP_THRESHOLD_BYTES);
    for (const header of [undefined, 'gzip', 'identity']) expect(encodeResponse(response, header)).toBe(response);
  });

  test('over the threshold, gzip allowed: base64 gzip of the same body, Content-Encoding and Vary', () => {
    const response = jsonResponse(200, orderOf(GZIP_THRESHOLD_BYTES + 1));
    for (const header of [undefined, 'gzip, deflate']) {
      const encoded = encodeResponse(response, header);
      expect(encoded.isBase64Encoded).toBe(true);
      expect(encoded.headers).toEqual({ ...response.headers, 'content-encoding': 'gzip', vary: 'accept-encoding' });
      expect(gunzipSync(Buffer.from(encoded.body ?? '', 'base64')).toString('utf8')).toBe(response.body);
    }
  });

  test('over the threshold, gzip refused: sent as is while it fits Lambda; past 6 MB ResponseTooLarge', () => {
    const fits = jsonResponse(200, orderOf(GZIP_THRESHOLD_BYTES * 2));
    expect(encodeResponse(fits, 'identity')).toEqual({
      ...fits,
      headers: { ...fits.headers, vary: 'accept-encoding' },
    });
    const tooLarge = jsonResponse(200, orderOf(LAMBDA_RESPONSE_LIMIT_BYTES));
    expect(() => encodeResponse(tooLarge, 'identity')).toThrow(ResponseTooLarge);
    // Escaping counts: a body under 6 MB whose quotes push the escaped answer over it is refused too.
    const quotes = jsonResponse(200, { q: '"'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES / 4 + 10_000) });
    expect(Buffer.byteLength(quotes.body ?? '')).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(() => encodeResponse(quotes, 'br')).toThrow(ResponseTooLarge);
  });
});
