import { describe, expect, test } from '@jest/globals';
import {
  processDeliveryBatch,
  processDeliveryJob,
  replayTag,
  type DeliveryJob,
} from '../../../../domain/webhooks/deliver';
import { newEndpoint, type WebhookEndpoint } from '../../../../domain/webhooks/endpoints';
import type { DeliveryQueue, EndpointDelivery, WebhookEndpointStore } from '../../../../domain/webhooks/ports';
import { MAX_ATTEMPTS, type DeliveryResult } from '../../../../domain/webhooks/retry';
import { buildOrderCompletedDetail } from '../../../../domain/order-completed-event';

/** The delivery rules with in-memory ports: fan-out, retry/backoff, dead-letter, 410, replay filter. */
const detail = buildOrderCompletedDetail(
  { account_id: 'acct-1', order_handle: 'o-1', type: 'drop', type_index: 0, fulfillment_attempt: 0 },
  'abcdefabcdefabcdefabcdefabcdefab',
  { completed_at: '2026-01-02T03:04:05.678Z' },
);

const harness = (endpoints: WebhookEndpoint[], answer: (url: string) => DeliveryResult) => {
  const calls = { posts: [] as { url: string; headers: Record<string, string> }[], retries: [] as number[] };
  const fanned: EndpointDelivery[] = [];
  const dead: { body: string; reason: string }[] = [];
  const disabled: string[] = [];
  const store: WebhookEndpointStore = {
    listForAccount: async (account) => endpoints.filter((e) => e.account_id === account),
    get: async (account, id) => endpoints.find((e) => e.account_id === account && e.endpoint_id === id),
    disable: async (_a, id) => void disabled.push(id),
  };
  const queue: DeliveryQueue = {
    retryLater: async (_h, delay) => void calls.retries.push(delay),
    fanOut: async (deliveries) => void fanned.push(...deliveries),
    deadLetter: async (body, reason) => void dead.push({ body, reason }),
  };
  const deps = {
    endpoints: store,
    transport: {
      post: async (url: string, headers: Record<string, string>) => (calls.posts.push({ url, headers }), answer(url)),
    },
    queue,
    now: () => new Date(),
    random: () => 0.5,
  };
  return { deps, calls, fanned, dead, disabled };
};
const job = (message: DeliveryJob['message'], attempt = 1): DeliveryJob => ({
  messageId: 'm-1',
  receiptHandle: 'rh-1',
  attempt,
  rawBody: JSON.stringify(message),
  message,
});
const event = (replayName?: string): DeliveryJob['message'] => ({ kind: 'order-completed', detail, replayName });

describe('processDeliveryJob', () => {
  test('one endpoint: delivered directly, webhook-id = event_id', async () => {
    const one = newEndpoint('acct-1', 'https://a.example/', new Date());
    const h = harness([one], () => ({ kind: 'delivered', status: 200 }));
    expect(await processDeliveryJob(job(event()), h.deps)).toMatchObject({ outcome: 'delivered', failed: false });
    expect(h.calls.posts.map((p) => p.headers['webhook-id'])).toEqual([detail.event_id]);
  });

  test('several endpoints: fanned out, one message each; each then delivered on its own; disabled ones left out', async () => {
    const [a, b] = [
      newEndpoint('acct-1', 'https://a.example/', new Date()),
      newEndpoint('acct-1', 'https://b.example/', new Date()),
    ];
    const off = { ...newEndpoint('acct-1', 'https://c.example/', new Date()), status: 'disabled' as const };
    const h = harness([a, b, off], () => ({ kind: 'delivered', status: 204 }));
    expect(await processDeliveryJob(job(event()), h.deps)).toMatchObject({ outcome: 'fanned-out', failed: false });
    expect(h.fanned.map((d) => d.endpoint_id)).toEqual([a.endpoint_id, b.endpoint_id]);
    expect(h.calls.posts).toHaveLength(0);
    expect(await processDeliveryJob(job(h.fanned[1]!), h.deps)).toMatchObject({
      outcome: 'delivered',
      endpoint_id: b.endpoint_id,
    });
    expect(h.calls.posts.map((p) => p.url)).toEqual(['https://b.example/']);
    expect(await processDeliveryJob(job({ ...h.fanned[0]!, endpoint_id: off.endpoint_id }), h.deps)).toMatchObject({
      outcome: 'skipped',
    });
  });

  test('retry: backoff by attempt, partial failure; the last attempt goes to the dead-letter queue', async () => {
    const one = newEndpoint('acct-1', 'https://a.example/', new Date());
    const h = harness([one], () => ({ kind: 'retry', reason: 'HTTP 503' }));
    expect(await processDeliveryJob(job(event(), 1), h.deps)).toMatchObject({ outcome: 'retry', failed: true });
    expect(await processDeliveryJob(job(event(), 5), h.deps)).toMatchObject({ outcome: 'retry', failed: true });
    expect(h.calls.retries).toEqual([30, 480]);
    expect(await processDeliveryJob(job(event(), MAX_ATTEMPTS), h.deps)).toMatchObject({
      outcome: 'dead-lettered',
      failed: false,
    });
    expect(h.dead).toEqual([
      { body: expect.stringContaining(one.endpoint_id), reason: `HTTP 503 after ${MAX_ATTEMPTS} attempts` },
    ]);
    expect(JSON.parse(h.dead[0]!.body)).toEqual({ kind: 'endpoint-delivery', endpoint_id: one.endpoint_id, detail });
  });

  test('410 disables the endpoint; a refusal is dead-lettered at once; a store failure fails only its message', async () => {
    const one = newEndpoint('acct-1', 'https://a.example/', new Date());
    const gone = harness([one], () => ({ kind: 'gone' }));
    expect(await processDeliveryJob(job(event()), gone.deps)).toMatchObject({ outcome: 'gone', failed: false });
    expect(gone.disabled).toEqual([one.endpoint_id]);
    const refused = harness([one], () => ({ kind: 'rejected', reason: 'HTTP 401' }));
    expect(await processDeliveryJob(job(event()), refused.deps)).toMatchObject({ outcome: 'rejected', failed: false });
    expect(refused.dead[0]?.reason).toBe('HTTP 401');
    const broken = harness([one], () => ({ kind: 'delivered', status: 200 }));
    broken.deps.endpoints.listForAccount = async () => {
      throw new Error('DynamoDB down');
    };
    expect(await processDeliveryBatch([job(event())], broken.deps)).toEqual([
      expect.objectContaining({ messageId: 'm-1', failed: true, detail: 'Error: DynamoDB down' }),
    ]);
  });

  test("an account's replay delivers its own events only", async () => {
    const one = newEndpoint('acct-1', 'https://a.example/', new Date());
    const h = harness([one], () => ({ kind: 'delivered', status: 200 }));
    expect(await processDeliveryJob(job(event(`${replayTag('acct-2')}-1`)), h.deps)).toMatchObject({
      outcome: 'skipped',
    });
    expect(await processDeliveryJob(job(event(`${replayTag('acct-1')}-1`)), h.deps)).toMatchObject({
      outcome: 'delivered',
    });
    expect(await processDeliveryJob(job(event('some-other-replay')), h.deps)).toMatchObject({ outcome: 'delivered' });
    expect(`${replayTag('a'.repeat(64))}-${Date.now()}`.length).toBeLessThanOrEqual(64);
  });
});
