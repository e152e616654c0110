import { ResponseTooLarge } from '../../../handlers/http/compression';
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import {
  AmbiguousOrder,
  DependencyUnavailable,
  OrderNotCompletable,
  OrderNotFound,
  OrderTooLarge,
} from '../../../domain/errors';
import { orderSchema } from '../../../domain/order';
import { ERROR_BODY_SCHEMAS, type ErrorStatus } from '../../../handlers/http/error-bodies';
import { toHttpResponse } from '../../../handlers/http/error-mapper';
import { HttpError, ValidationFailed, authenticationError } from '../../../handlers/http/http-error';
import { renderOpenApiDocument } from '../../../openapi/build';

/**
 * The committed OpenAPI document is what the generator makes from the code's zod schemas, is a valid
 * OpenAPI 3.1 document (checked by a real validator, run as a child process in test/scripts/openapi-validator.test.ts), and documents every response the code can send.
 */
const root = resolve(__dirname, '..', '..', '..');
const committedPath = join(root, 'openapi', 'openapi.json');
const committed = readFileSync(committedPath, 'utf8');

interface Response {
  headers?: Record<string, { required?: boolean }>;
  content: { 'application/json': { schema: { $ref: string }; examples: Record<string, { value: unknown }> } };
}
const document = JSON.parse(committed) as {
  paths: Record<string, { post: { responses: Record<string, Response> } }>;
  components: { schemas: Record<string, unknown> };
};
const responses = document.paths['/orders/{order_handle}/complete']!.post.responses;

const silentLog = { warn: () => undefined, error: () => undefined };

describe('openapi/openapi.json', () => {
  test('is exactly what `npm run openapi` generates from the zod schemas (run it after changing them)', () => {
    expect(committed).toBe(renderOpenApiDocument());
  });

  test('every example parses with the zod schema the code answers with', () => {
    const examplesChecked: string[] = [];
    for (const [status, response] of Object.entries(responses)) {
      if (status === '429') continue; // API Gateway's own body, not the service's
      const schema: z.ZodType = status === '200' ? orderSchema : ERROR_BODY_SCHEMAS[Number(status) as ErrorStatus];
      for (const [name, example] of Object.entries(response.content['application/json'].examples)) {
        expect(schema.safeParse(example.value)).toMatchObject({ success: true });
        examplesChecked.push(`${status}:${name}`);
      }
    }
    expect(examplesChecked.length).toBeGreaterThanOrEqual(12);
  });

  test('documents every status, body and header the error mapper produces', () => {
    const errors: unknown[] = [
      authenticationError(),
      new HttpError(413, 'Request body too large', { max_bytes: 16384 }),
      new HttpError(415, 'Unsupported media type', { content_type: ['must be application/json'] }),
      new ValidationFailed({ path: { order_handle: ['must not be empty'] } }),
      new AmbiguousOrder({ type: ['required'] }),
      new OrderNotFound(),
      new OrderNotCompletable('disabled'),
      new OrderTooLarge(),
      new ResponseTooLarge(7_000_000),
      new DependencyUnavailable('dynamodb', { cause: new Error('down') }),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      new Error('unexpected'),
    ];
    const seen = new Set<string>();
    for (const error of errors) {
      const response = toHttpResponse(error, silentLog);
      const status = String(response.statusCode);
      seen.add(status);
      const documented = responses[status];
      expect(documented).toBeDefined();
      const schema = ERROR_BODY_SCHEMAS[response.statusCode as ErrorStatus];
      expect(schema.safeParse(JSON.parse(response.body ?? '')).success).toBe(true);
      const headerNames = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
      for (const [header, spec] of Object.entries(documented?.headers ?? {})) {
        if (spec.required === true) expect(headerNames).toContain(header.toLowerCase());
      }
    }
    expect([...seen].sort()).toEqual(['401', '404', '406', '409', '413', '415', '422', '500', '503']);
    expect(Object.keys(responses).sort()).toEqual(['200', ...[...seen].sort(), '429'].sort());
    expect(responses['401']?.headers?.['WWW-Authenticate']?.required).toBe(true);
    expect(responses['503']?.headers?.['Retry-After']?.required).toBe(true);
  });
});
