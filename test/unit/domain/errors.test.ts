import { describe, expect, test } from '@jest/globals';
import {
  AmbiguousOrder,
  DependencyUnavailable,
  EventNotPublished,
  OrderNotCompletable,
  OrderNotFound,
  OrderTooLarge,
  describeError,
} from '../../../domain/errors';
import { HttpError, ValidationFailed } from '../../../handlers/http/http-error';

describe('error names', () => {
  test.each([
    ['OrderNotFound', new OrderNotFound()],
    ['AmbiguousOrder', new AmbiguousOrder({})],
    ['OrderNotCompletable', new OrderNotCompletable('cancelled')],
    ['OrderTooLarge', new OrderTooLarge()],
    ['DependencyUnavailable', new DependencyUnavailable('dynamodb')],
    ['EventNotPublished', new EventNotPublished()],
    ['ValidationFailed', new ValidationFailed({})],
    ['HttpError', new HttpError(413, 'Request body too large', { max_bytes: 1 })],
  ])('%s sets its name, so logs say which error it is', (name, error) => {
    expect(error.name).toBe(name);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });
});

describe('describeError', () => {
  test('names the error and its cause', () => {
    const error = new DependencyUnavailable('dynamodb', { cause: new TypeError('socket hang up') });
    expect(describeError(error)).toBe('DependencyUnavailable: dynamodb is unavailable: TypeError: socket hang up');
  });

  test('a thrown non-Error is shown as a string', () => {
    expect(describeError('boom')).toBe('boom');
  });
});
