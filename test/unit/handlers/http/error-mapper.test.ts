import { describe, expect, test } from '@jest/globals';
import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  AmbiguousOrder,
  DependencyUnavailable,
  OrderNotCompletable,
  OrderTooLarge,
  OrderNotFound,
} from '../../../../domain/errors';
import { httpErrorMapper, toHttpResponse, type ErrorLog } from '../../../../handlers/http/error-mapper';
import { HttpError, ValidationFailed, authenticationError } from '../../../../handlers/http/http-error';
import { apiEvent, lambdaContext } from '../../support/http';

class RecordingLog implements ErrorLog {
  readonly entries: { level: 'warn' | 'error'; message: string; extra: Record<string, unknown>[] }[] = [];
  warn(message: string, ...extra: Record<string, unknown>[]): void {
    this.entries.push({ level: 'warn', message, extra });
  }
  error(message: string, ...extra: Record<string, unknown>[]): void {
    this.entries.push({ level: 'error', message, extra });
  }
}

const body = (response: APIGatewayProxyStructuredResultV2): unknown => JSON.parse(response.body ?? 'null');

describe('toHttpResponse', () => {
  test.each<[string, unknown, number, { message: string; detail: Record<string, unknown> }]>([
    [
      'ValidationFailed',
      new ValidationFailed({ query: { type: ['must be one of: pick, drop'] }, json: { x: ['unknown field'] } }),
      422,
      {
        message: 'Validation error',
        detail: { query: { type: ['must be one of: pick, drop'] }, json: { x: ['unknown field'] } },
      },
    ],
    [
      'AmbiguousOrder',
      new AmbiguousOrder({ type: ['required: say which one'] }),
      422,
      { message: 'Validation error', detail: { query: { type: ['required: say which one'] } } },
    ],
    ['OrderNotFound', new OrderNotFound(), 404, { message: 'Order not found', detail: {} }],
    [
      'OrderNotCompletable',
      new OrderNotCompletable('cancelled'),
      409,
      { message: 'Order is cancelled and cannot be completed', detail: { status: 'cancelled' } },
    ],
    [
      'OrderTooLarge',
      new OrderTooLarge(),
      409,
      {
        message: 'Order is too large to record its completion; trim it (e.g. its polyline) and retry',
        detail: { reason: 'item_size_limit' },
      },
    ],
    [
      'DependencyUnavailable',
      new DependencyUnavailable('dynamodb'),
      503,
      { message: 'Service temporarily unavailable; retry later', detail: {} },
    ],
    [
      'HttpError 413',
      new HttpError(413, 'Request body too large', { max_bytes: 16384 }),
      413,
      { message: 'Request body too large', detail: { max_bytes: 16384 } },
    ],
    [
      'HttpError 415',
      new HttpError(415, 'Unsupported media type', { content_type: ['must be application/json'] }),
      415,
      { message: 'Unsupported media type', detail: { content_type: ['must be application/json'] } },
    ],
    ['authentication error', authenticationError(), 401, { message: 'Authentication error', detail: {} }],
  ])('%s -> %i with {message, detail} as JSON', (_name, error, status, expectedBody) => {
    const response = toHttpResponse(error, new RecordingLog());
    expect(response.statusCode).toBe(status);
    expect(body(response)).toStrictEqual(expectedBody);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(response.headers?.['cache-control']).toBe('no-store');
  });

  test('401 carries WWW-Authenticate: Basic realm="orders"', () => {
    const response = toHttpResponse(authenticationError(), new RecordingLog());
    expect(String(response.headers?.['www-authenticate'])).toMatch(/^Basic realm="orders"/);
    expect(response.headers?.['www-authenticate']).toBe('Basic realm="orders", charset="UTF-8"');
  });

  test.each([['DependencyUnavailable', new DependencyUnavailable('eventbridge')]])(
    '503 for %s carries retry-after and is logged as a warning',
    (_name, error) => {
      const log = new RecordingLog();
      const response = toHttpResponse(error, log);
      expect(response.statusCode).toBe(503);
      // Retry-After as HTTP defines it (delay-seconds): a positive whole number of seconds.
      expect(response.headers?.['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(log.entries.map((entry) => entry.level)).toEqual(['warn']);
    },
  );

  test("a TimeoutError (middy's early timeout, an SDK attempt budget) -> 503 with retry-after, logged as a warning", () => {
    const log = new RecordingLog();
    const timeout = Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' });
    const response = toHttpResponse(timeout, log);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toStrictEqual({ message: 'Service temporarily unavailable; retry later', detail: {} });
    expect(response.headers?.['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(log.entries.map((entry) => entry.level)).toEqual(['warn']);
  });

  test('the 503 warning names the dependency and the cause', () => {
    const log = new RecordingLog();
    toHttpResponse(new DependencyUnavailable('dynamodb', { cause: new Error('socket hang up') }), log);
    expect(log.entries[0]?.extra[0]).toEqual({
      dependency: 'dynamodb',
      error: 'DependencyUnavailable: dynamodb is unavailable: Error: socket hang up',
    });
  });

  test.each(['OrderNotFound', 'ValidationFailed', 'OrderNotCompletable'])('a %s is not logged', (name) => {
    const errors: Record<string, unknown> = {
      OrderNotFound: new OrderNotFound(),
      ValidationFailed: new ValidationFailed({}),
      OrderNotCompletable: new OrderNotCompletable('disabled'),
    };
    const log = new RecordingLog();
    toHttpResponse(errors[name], log);
    expect(log.entries).toEqual([]);
  });

  test('an unknown Error -> 500 with a generic message and no error text or stack in the body', () => {
    const log = new RecordingLog();
    const error = new Error('db password is hunter2 at /var/task/secret.js');
    const response = toHttpResponse(error, log);
    expect(response.statusCode).toBe(500);
    expect(body(response)).toStrictEqual({ message: 'Internal server error', detail: {} });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('Error:');
    expect(response.body).not.toContain(' at ');
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(response.headers).not.toHaveProperty('retry-after');
    expect(log.entries).toEqual([{ level: 'error', message: 'unexpected error', extra: [{ error }] }]);
  });

  test('a plain Error subclass with a statusCode-like shape is still a 500', () => {
    const lookalike = Object.assign(new Error('not an HttpError'), { statusCode: 400 });
    expect(toHttpResponse(lookalike, new RecordingLog()).statusCode).toBe(500);
  });

  test.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['an object', { message: 'x' }],
  ])('a thrown %s -> 500', (_label, thrown) => {
    const log = new RecordingLog();
    const response = toHttpResponse(thrown, log);
    expect(response.statusCode).toBe(500);
    expect(body(response)).toStrictEqual({ message: 'Internal server error', detail: {} });
    expect(log.entries[0]?.level).toBe('error');
  });
});

describe('httpErrorMapper', () => {
  test('turns request.error into request.response', async () => {
    const middleware = httpErrorMapper(new RecordingLog());
    const request: Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
      event: apiEvent(),
      context: lambdaContext(),
      response: undefined,
      error: new OrderNotFound(),
      internal: {},
    };
    await middleware.onError?.(request);
    expect(request.response?.statusCode).toBe(404);
  });
});
