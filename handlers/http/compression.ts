import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Large answers go gzip-compressed (Content-Encoding: gzip) when the request allows it; others are sent as they are.
 * A 50 000-point trip is about 7.8 MB of JSON and a Lambda answer is at most 6 MB, so past the limit an answer the
 * caller will not take compressed cannot be sent at all (ResponseTooLarge; the error mapper answers 406).
 */

/**
 * Answers whose body is larger than this are compressed (when allowed). Measured (docs/capacity.md, "large
 * orders"): below it gzip costs more CPU than it saves in transfer; above it the 6 MB limit comes within reach.
 */
export const GZIP_THRESHOLD_BYTES = 64 * 1_024;
/** Lambda's limit on a synchronous answer (the whole JSON envelope, body escaped or base64-encoded). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1_024 * 1_024;
/** Room kept for the envelope around the body (status, headers). */
const ENVELOPE_BYTES = 4 * 1_024;

/** The answer was too large to send and the caller refused gzip (its completion is recorded nonetheless). */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
  constructor(readonly bodyBytes: number) {
    super('The answer is too large to send without compression');
  }
}

interface Coding {
  name: string;
  q: number;
}

const parseAcceptEncoding = (header: string): Coding[] =>
  header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [name = '', ...params] = part.split(';').map((piece) => piece.trim());
      const qParam = params.find((param) => /^q=/i.test(param));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { name: name.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    });

/**
 * Whether gzip is acceptable under RFC 9110 section 12.5.3: no Accept-Encoding header allows any coding; otherwise
 * gzip (or x-gzip) listed with q > 0, or `*` with q > 0 while gzip is not listed.
 */
export const acceptsGzip = (header: string | undefined): boolean => {
  if (header === undefined) return true;
  const codings = parseAcceptEncoding(header);
  const gzip = codings.find((coding) => coding.name === 'gzip' || coding.name === 'x-gzip');
  if (gzip !== undefined) return gzip.q > 0;
  const any = codings.find((coding) => coding.name === '*');
  return any !== undefined && any.q > 0;
};

/**
 * The response for a 200 body: as is under the threshold; gzip-compressed above it when allowed. ResponseTooLarge
 * when it is too large to send as is and gzip was refused.
 */
export const encodeResponse = (
  response: APIGatewayProxyStructuredResultV2,
  acceptEncoding: string | undefined,
): APIGatewayProxyStructuredResultV2 => {
  const body = response.body ?? '';
  const bytes = Buffer.byteLength(body);
  if (bytes <= GZIP_THRESHOLD_BYTES) return response;
  const headers = { ...response.headers, vary: 'accept-encoding' };
  if (acceptsGzip(acceptEncoding)) {
    return {
      ...response,
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: gzipSync(body).toString('base64'),
      isBase64Encoded: true,
    };
  }
  // Sent as is, the body is escaped into the Lambda answer's JSON (every quote gains a backslash).
  if (Buffer.byteLength(JSON.stringify(body)) + ENVELOPE_BYTES > LAMBDA_RESPONSE_LIMIT_BYTES) {
    throw new ResponseTooLarge(bytes);
  }
  return { ...response, headers };
};
