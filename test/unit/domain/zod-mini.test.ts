import { describe, expect, test } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '../../../config/env';
import * as z from '../../../domain/zod-mini';
import { parseCompleteOrderRequest } from '../../../handlers/http/complete-order-request';
import { ValidationFailed } from '../../../handlers/http/http-error';

/**
 * The request path's schemas are zod/mini's, which loads no locale by itself (its messages would all be "Invalid
 * input"). domain/zod-mini.ts sets English, so every message is classic zod's, word for word. This file loads no
 * classic zod (jest gives each test file its own modules), so nothing else can have set the locale.
 */
describe('zod/mini on the request path', () => {
  test("speaks classic zod's English", () => {
    expect(z.string().check(z.minLength(3)).safeParse('ab').error?.issues[0]?.message).toBe(
      'Too small: expected string to have >=3 characters',
    );
    expect(z.number().safeParse('1').error?.issues[0]?.message).toBe('Invalid input: expected number, received string');
  });

  test("a 422 for a missing path parameter carries zod's English message", () => {
    const event = { rawQueryString: '', headers: {}, isBase64Encoded: false } as unknown as APIGatewayProxyEventV2;
    let thrown: unknown;
    try {
      parseCompleteOrderRequest(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationFailed);
    expect((thrown as ValidationFailed).detail).toEqual({
      path: { order_handle: ['Invalid input: expected string, received undefined'] },
    });
  });

  test('a misconfigured function is told what is wrong, in words', () => {
    expect(() => loadConfig({ ORDERS_TABLE_NAME: 'ab', EVENT_BUS_NAME: 'b', EVENT_SOURCE: 's' })).toThrow(
      'ORDERS_TABLE_NAME: Too small: expected string to have >=3 characters',
    );
    expect(() =>
      loadConfig({
        ORDERS_TABLE_NAME: 'abc',
        EVENT_BUS_NAME: 'b',
        EVENT_SOURCE: 's',
        ACCOUNTS_TABLE_NAME: 'acc',
        PENDING_SHARDS: '0',
      }),
    ).toThrow('PENDING_SHARDS: Too small: expected number to be >=1');
  });
});
