import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing, with the spec's reference package (`standardwebhooks`): `v1,` + base64 of
 * HMAC-SHA256(key, `<webhook-id>.<webhook-timestamp>.<body>`), the key being the base64 part of `whsec_...`.
 * With two secrets (a rotation) the header carries one `v1,` entry per secret, space-separated, newest first.
 */
export const WEBHOOK_USER_AGENT = 'orders-complete-webhooks/1.0 (Standard Webhooks)';

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export const signDelivery = (webhookId: string, body: string, secrets: string[], now: Date): SignedRequest => {
  if (secrets.length === 0) throw new Error('no secret to sign with');
  const signature = secrets.map((secret) => new Webhook(secret).sign(webhookId, now, body)).join(' ');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
  };
};
