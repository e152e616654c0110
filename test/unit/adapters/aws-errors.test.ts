import { describe, expect, test } from '@jest/globals';
import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { isDependencyUnavailable } from '../../../adapters/aws-errors';

const named = (name: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(name), { name, ...extra });

describe('isDependencyUnavailable', () => {
  test.each<[string, unknown]>([
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }),
    ],
    ['ThrottlingException', named('ThrottlingException')],
    ['TooManyRequestsException', named('TooManyRequestsException')],
    ['TransactionConflictException (a write met a transaction)', named('TransactionConflictException')],
    ['TimeoutError', named('TimeoutError')],
    ['AbortError', named('AbortError')],
    ['code ECONNREFUSED', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
    ['code ENOTFOUND', Object.assign(new Error('x'), { code: 'ENOTFOUND' })],
    ['server fault', named('InternalServerError', { $fault: 'server' })],
    ['retryable marker', named('SomethingNew', { $retryable: { throttling: false } })],
    ['HTTP 500', named('Unknown', { $metadata: { httpStatusCode: 500 } })],
    ['HTTP 503', named('Unknown', { $metadata: { httpStatusCode: 503 } })],
    [
      'network error as a cause',
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ],
  ])('%s -> unavailable', (_label, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  test.each<[string, unknown]>([
    ['a plain Error', new Error('bug')],
    ['a TypeError', new TypeError('x is undefined')],
    [
      'ConditionalCheckFailedException',
      new ConditionalCheckFailedException({ message: 'x', $metadata: { httpStatusCode: 400 } }),
    ],
    [
      'ValidationException (client fault, 400)',
      named('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    ],
    ['AccessDeniedException', named('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 403 } })],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
  ])('%s -> not unavailable', (_label, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  test('stops following causes after a few levels (and on cycles)', () => {
    const deep = new Error('0', {
      cause: new Error('1', {
        cause: new Error('2', { cause: new Error('3', { cause: new Error('4', { cause: named('TimeoutError') }) }) }),
      }),
    });
    expect(isDependencyUnavailable(deep)).toBe(false);
    const cyclic: Error & { cause?: unknown } = new Error('loop');
    cyclic.cause = cyclic;
    expect(isDependencyUnavailable(cyclic)).toBe(false);
  });
});
