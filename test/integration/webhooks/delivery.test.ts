import { beforeAll, describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { assertDeliverableUrl, createHttpTransport, type Resolver } from '../../../adapters/webhooks/http-transport';
import { processDeliveryBatch, type DeliveryJob } from '../../../domain/webhooks/deliver';
import { newEndpoint, type WebhookEndpoint } from '../../../domain/webhooks/endpoints';
import type { DeliveryQueue, WebhookEndpointStore } from '../../../domain/webhooks/ports';
import { buildOrderCompletedDetail } from '../../../domain/order-completed-event';
import { startReceiver } from '../../support/webhook-receiver';

/**
 * The sender's HTTP path against real local receivers (the local stage's loopback exception), and its SSRF guard
 * under the deployed policy with resolver stubs: no test sends traffic to any internal address.
 */
const local = createHttpTransport({ allowLoopback: true, timeoutMs: 1_500 });

describe('HTTP transport', () => {
  let urls: Record<string, string>;
  beforeAll(async () => {
    urls = {
      ok: (await startReceiver((_q, r) => r.writeHead(204).end())).url,
      err: (await startReceiver((_q, r) => r.writeHead(503).end('down'))).url,
      gone: (await startReceiver((_q, r) => r.writeHead(410).end())).url,
      busy: (await startReceiver((_q, r) => r.writeHead(429).end())).url,
      bad: (await startReceiver((_q, r) => r.writeHead(400).end())).url,
      redirect: (await startReceiver((_q, r) => r.writeHead(302, { location: 'http://169.254.169.254/' }).end())).url,
      silent: (await startReceiver(() => undefined)).url,
      huge: (
        await startReceiver((_q, r) => {
          r.writeHead(200);
          r.write('x'.repeat(1 << 20)); // and never ends
        })
      ).url,
    };
  });

  test('2xx delivered, 5xx and 429 retried, 410 gone, 400 rejected', async () => {
    expect(await local.post(urls.ok!, {}, '[]')).toEqual({ kind: 'delivered', status: 204 });
    expect(await local.post(urls.err!, {}, '[]')).toEqual({ kind: 'retry', reason: 'HTTP 503' });
    expect(await local.post(urls.busy!, {}, '[]')).toEqual({ kind: 'retry', reason: 'HTTP 429' });
    expect(await local.post(urls.gone!, {}, '[]')).toEqual({ kind: 'gone' });
    expect(await local.post(urls.bad!, {}, '[]')).toEqual({ kind: 'rejected', reason: 'HTTP 400' });
  });

  test('a redirect is an answer, never followed', async () => {
    expect(await local.post(urls.redirect!, {}, '[]')).toEqual({ kind: 'rejected', reason: 'HTTP 302' });
  });

  test('no answer within the timeout is retried; a huge endless body is not read', async () => {
    const started = Date.now();
    expect(await local.post(urls.silent!, {}, '[]')).toEqual({ kind: 'retry', reason: 'no answer within 1500 ms' });
    const took = Date.now() - started;
    console.log(`silent receiver: gave up after ${took} ms (timeout 1500 ms)`);
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(8_000);
    expect(await local.post(urls.huge!, {}, '[]')).toEqual({ kind: 'delivered', status: 200 });
  });

  test('a connection error is retried', async () => {
    const result = await local.post('http://127.0.0.1:9/hook', {}, '[]');
    expect(result).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/connection error/) });
  });
});

describe('SSRF guard with resolver stubs (deployed policy)', () => {
  const stub = (answers: string[][]): Resolver & { calls: string[] } => {
    const calls: string[] = [];
    let index = 0;
    const fn = async (hostname: string) => {
      calls.push(hostname);
      const answer = answers[Math.min(index++, answers.length - 1)] ?? [];
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(fn, { calls });
  };

  test.each([
    ['127.0.0.1'],
    ['169.254.169.254'],
    ['10.0.0.7'],
    ['::1'],
    ['::ffff:169.254.169.254'],
    ['fd00::1'],
    ['224.0.0.1'],
  ])('a name resolving to %s is refused at add and at send, before any connection', async (address) => {
    const resolver = stub([[address]]);
    await expect(
      assertDeliverableUrl('https://hooks.example.com/x', { allowLoopback: false }, resolver),
    ).rejects.toThrow(/refused: hooks\.example\.com resolves to/);
    const transport = createHttpTransport({ allowLoopback: false, resolve: resolver });
    const result = await transport.post('https://hooks.example.com/x', {}, '[]');
    expect(result).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/refused: hooks\.example\.com resolves to/),
    });
    expect(resolver.calls).toEqual(['hooks.example.com', 'hooks.example.com']);
  });

  test('one internal address among public ones is enough to refuse', async () => {
    const resolver = stub([['93.184.215.14', '169.254.169.254']]);
    const result = await createHttpTransport({ allowLoopback: false, resolve: resolver }).post(
      'https://a.example/',
      {},
      '',
    );
    expect(result).toMatchObject({ kind: 'rejected' });
  });

  test('DNS rebinding: public at add, internal at send: the send is refused (checked on the address connected to)', async () => {
    const resolver = stub([['93.184.215.14'], ['127.0.0.1']]);
    await expect(
      assertDeliverableUrl('https://rebind.example/', { allowLoopback: false }, resolver),
    ).resolves.toBeInstanceOf(URL);
    const result = await createHttpTransport({ allowLoopback: false, resolve: resolver }).post(
      'https://rebind.example/',
      {},
      '',
    );
    expect(result).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/127\.0\.0\.1/) });
  });

  test('the local stage allows loopback but not the metadata address', async () => {
    const resolver = stub([['169.254.169.254']]);
    const result = await createHttpTransport({ allowLoopback: true, resolve: resolver }).post(
      'http://localhost:1/',
      {},
      '',
    );
    expect(result).toMatchObject({ kind: 'rejected' });
    expect(await createHttpTransport({ allowLoopback: false }).post('http://localhost/', {}, '')).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/must be https/),
    });
  });
});

const detailOf = (account: string, n: number) =>
  buildOrderCompletedDetail(
    { account_id: account, order_handle: `order-${n}`, type: 'drop', type_index: 0, fulfillment_attempt: 0 },
    `${n.toString(16).padStart(32, '0')}`,
    { completed_at: new Date().toISOString() },
  );

describe('a batch', () => {
  test('one dead endpoint never delays another account: its delivery arrives while the dead one is still timing out', async () => {
    const fast = await startReceiver((_q, r) => r.writeHead(200).end());
    const dead = await startReceiver(() => undefined);
    const endpoints: Record<string, WebhookEndpoint> = {
      slow: newEndpoint('slow', dead.url, new Date()),
      quick: newEndpoint('quick', fast.url, new Date()),
    };
    const store: WebhookEndpointStore = {
      listForAccount: async (account) => [endpoints[account]!],
      get: async () => undefined,
      disable: async () => undefined,
    };
    const retries: number[] = [];
    const queue: DeliveryQueue = {
      retryLater: async (_handle, delay) => void retries.push(delay),
      fanOut: async () => undefined,
      deadLetter: async () => undefined,
    };
    const job = (account: string, n: number): DeliveryJob => ({
      messageId: `m${n}`,
      receiptHandle: `r${n}`,
      attempt: 1,
      rawBody: '',
      message: { kind: 'order-completed', detail: detailOf(account, n) },
    });
    const started = Date.now();
    const outcomes = await processDeliveryBatch([job('slow', 1), job('quick', 2)], {
      endpoints: store,
      transport: createHttpTransport({ allowLoopback: true, timeoutMs: 3_000 }),
      queue,
      now: () => new Date(),
    });
    const fastDelay = fast.hits[0]!.at - started;
    console.log(
      `other account's delivery arrived after ${fastDelay} ms; the dead endpoint's batch ended after ${Date.now() - started} ms`,
    );
    expect(fastDelay).toBeLessThan(1_500); // budget with headroom on a loaded machine; the dead one takes 3 000
    expect(outcomes.map((o) => [o.messageId, o.outcome, o.failed])).toEqual([
      ['m1', 'retry', true],
      ['m2', 'delivered', false],
    ]);
    expect(retries).toHaveLength(1);
    expect(
      new Webhook(endpoints.quick!.secrets[0]!.secret).verify(
        fast.hits[0]!.body,
        fast.hits[0]!.headers as Record<string, string>,
      ),
    ).toEqual(JSON.parse(fast.hits[0]!.body));
    expect(fast.hits[0]!.headers['webhook-id']).toBe(detailOf('quick', 2).event_id);
  });
});
