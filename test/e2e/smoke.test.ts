import { describe, expect, test } from '@jest/globals';

const base = () => process.env.E2E_BASE_URL as string;
const auth = `Basic ${Buffer.from('local-account:local-secret').toString('base64')}`;

describe('local stack smoke', () => {
  test('order-1 completes over HTTP', async () => {
    const response = await fetch(`${base()}/orders/order-1/complete`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('completed');
  });
});
