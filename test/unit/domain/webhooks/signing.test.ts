import { describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { buildWebhookBody, webhookBodySchema } from '../../../../domain/webhooks/body';
import {
  newEndpoint,
  retireOldSecrets,
  rotateSecret,
  signingSecrets,
  WebhookProblem,
} from '../../../../domain/webhooks/endpoints';
import { signDelivery, WEBHOOK_USER_AGENT } from '../../../../domain/webhooks/signing';
import { buildOrderCompletedDetail } from '../../../../domain/order-completed-event';

const detail = buildOrderCompletedDetail(
  { account_id: 'acct-1', order_handle: 'order-1', type: 'drop', type_index: 0, fulfillment_attempt: 1 },
  '0123456789abcdef0123456789abcdef',
  { completed_at: '2026-01-02T03:04:05.678Z', route_handle: 'r-1', worker_handle: 'James', metadata: { a: 1 } },
);

describe('Standard Webhooks signatures', () => {
  test("the spec's test vector (Svix / standardwebhooks): our signer gives the published signature", () => {
    const signed = signDelivery(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '{"test": 2432232314}',
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      new Date(1614265330 * 1000),
    );
    expect(signed.headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(signed.headers['webhook-timestamp']).toBe('1614265330');
  });

  test('a delivery verifies with the reference package; headers as the spec and the issue say', () => {
    const endpoint = newEndpoint('acct-1', 'https://hooks.example.com/', new Date());
    expect(endpoint.secrets[0]?.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(endpoint.secrets[0]!.secret.slice(6), 'base64')).toHaveLength(32);
    const body = JSON.stringify(buildWebhookBody(detail));
    const now = new Date();
    const signed = signDelivery(detail.event_id, body, signingSecrets(endpoint, now), now);
    expect(signed.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'webhook-id': detail.event_id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(new Webhook(endpoint.secrets[0]!.secret).verify(signed.body, signed.headers)).toEqual(JSON.parse(body));
    // One byte changed: refused.
    expect(() => new Webhook(endpoint.secrets[0]!.secret).verify(`${body} `, signed.headers)).toThrow();
  });

  test('rotation: both secrets sign (two v1 entries, either verifies) until the old is retired or expires', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const endpoint = newEndpoint('acct-1', 'https://hooks.example.com/', t0);
    const oldSecret = endpoint.secrets[0]!.secret;
    const { endpoint: rotated, secret: newSecret } = rotateSecret(endpoint, t0, new Date('2026-01-02T00:00:00Z'));
    expect(() => rotateSecret(rotated, t0)).toThrow(WebhookProblem); // at most two
    const during = new Date('2026-01-01T12:00:00Z');
    const signed = signDelivery('id-1', '[]', signingSecrets(rotated, during), during);
    const entries = signed.headers['webhook-signature']!.split(' ');
    expect(entries).toHaveLength(2);
    expect(entries.every((entry) => entry.startsWith('v1,'))).toBe(true);
    const verifyAt = (secret: string) => {
      // The reference package checks the timestamp against the clock: verify with this instant's headers.
      const now = new Date();
      const live = signDelivery('id-1', '[]', signingSecrets(rotated, during), now);
      return new Webhook(secret).verify('[]', live.headers);
    };
    expect(verifyAt(oldSecret)).toEqual([]);
    expect(verifyAt(newSecret)).toEqual([]);
    expect(signingSecrets(rotated, new Date('2026-01-03T00:00:00Z'))).toEqual([newSecret]); // old expired
    expect(signingSecrets(retireOldSecrets(rotated), during)).toEqual([newSecret]);
    expect(() => retireOldSecrets(retireOldSecrets(rotated))).toThrow(WebhookProblem);
  });
});

describe('the webhook body', () => {
  test("the provider's format: an array of one order event, data.value completed, plus event_id", () => {
    const body = buildWebhookBody(detail);
    expect(webhookBodySchema.parse(body)).toEqual(body);
    expect(body).toEqual([
      {
        event_id: detail.event_id,
        account_id: 'acct-1',
        recorded_at: '2026-01-02T03:04:05.678Z',
        created_at: '2026-01-02T03:04:05.678Z',
        device_id: null,
        worker_handle: 'James',
        type: 'order',
        version: '1',
        data: {
          value: 'completed',
          order_handle: 'order-1',
          route_handle: 'r-1',
          status: 'completed',
          share_url: null,
          metadata: { a: 1 },
          distance: null,
          duration: null,
          deviation: null,
          actual_service_time: null,
          order_type: 'drop',
          type_index: 0,
          fulfillment_attempt: 1,
        },
      },
    ]);
  });
});
