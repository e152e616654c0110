import { describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore: a plain JavaScript example, untyped on purpose (copied into apps as is)
import { verifyWebhook } from '../../../examples/webhook-receiver.js';
import { newSecret } from '../../../domain/webhooks/endpoints';
import { signDelivery } from '../../../domain/webhooks/signing';

/** examples/webhook-receiver.js (plain Node, no dependencies) accepts what the reference package signs, only that. */
type Verify = (secret: string, headers: Record<string, string>, body: string | Buffer, now?: number) => unknown;
const verify = verifyWebhook as Verify;

describe('examples/webhook-receiver.mjs', () => {
  const secret = newSecret();
  const body = '[{"type":"order","data":{"value":"completed"}}]';
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const headersFor = (signature: string) => ({
    'webhook-id': 'evt-1',
    'webhook-timestamp': String(seconds),
    'webhook-signature': signature,
  });

  test("accepts the reference package's signature, and ours", () => {
    const reference = new Webhook(secret).sign('evt-1', now, body);
    expect(verify(secret, headersFor(reference), body)).toEqual(JSON.parse(body));
    const ours = signDelivery('evt-1', body, [secret], now).headers;
    expect(verify(secret, ours, Buffer.from(body))).toEqual(JSON.parse(body));
  });

  test('the spec test vector verifies', () => {
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232314}', 1614265330)).toEqual({
      test: 2432232314,
    });
  });

  test('a rotation: two v1 entries, either secret verifies', () => {
    const other = newSecret();
    const headers = signDelivery('evt-1', body, [other, secret], now).headers;
    expect(verify(secret, headers, body)).toEqual(JSON.parse(body));
    expect(verify(other, headers, body)).toEqual(JSON.parse(body));
  });

  test('refuses a changed body, another secret, an old timestamp, missing headers', () => {
    const headers = signDelivery('evt-1', body, [secret], now).headers;
    expect(() => verify(secret, headers, `${body} `)).toThrow('no matching signature');
    expect(() => verify(newSecret(), headers, body)).toThrow('no matching signature');
    expect(() => verify(secret, headers, body, seconds + 301)).toThrow(/timestamp/);
    expect(() => verify(secret, { ...headers, 'webhook-id': 'evt-2' }, body)).toThrow('no matching signature');
    expect(() => verify(secret, {}, body)).toThrow('missing webhook headers');
  });
});
