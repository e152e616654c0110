import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { MAX_ATTEMPTS } from '../../domain/webhooks/retry';
import { answerWith, startReceiver } from '../support/webhook-receiver';
import {
  basic,
  client,
  complete,
  LOCAL,
  makeOrder,
  seedOrders,
  uniqueHandle,
  waitForEvents,
  forRecord,
} from './support/e2e';

/**
 * Signed webhooks on the `npm start` stack (issue 21): OrderCompleted -> local dispatcher -> the sender handler on
 * SQS-shaped records -> receivers. The global setup shrinks the backoff schedule 5 000-fold (WEBHOOK_RETRY_SCALE)
 * and cuts attempts at 1 s, so the retry and dead-letter paths run in seconds.
 */
const root = resolve(__dirname, '..', '..');
const localDir = (): string => process.env.E2E_LOCAL_DIR ?? '';
const webhooksFile = () => resolve(localDir(), 'webhooks.jsonl');
const deadLettersFile = () => resolve(localDir(), 'webhook-dead-letters.jsonl');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const cli = (script: 'webhooks' | 'accounts', args: readonly string[]): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', `${script}.ts`), ...args],
      {
        cwd: root,
        // DYNAMODB_ENDPOINT named too: the integration project's global setup sets it in this process for its own
        // DynamoDB Local, and it would win over DYNAMODB_PORT.
        env: {
          ...process.env,
          LOCAL_DIR: localDir(),
          DYNAMODB_PORT: process.env.E2E_DYNAMODB_PORT,
          DYNAMODB_ENDPOINT: `http://127.0.0.1:${process.env.E2E_DYNAMODB_PORT}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(
      () => (child.kill(), fail(new Error(`${script} ${args.join(' ')}: no end in 60 s`))),
      60_000,
    );
    child.once('close', (code) => (clearTimeout(timer), done({ code, stdout, stderr })));
  });
const json = <T>(run: Run): T => {
  expect(run.stderr.replace(/runtime-node:.*\n/, '')).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n')[0] as string) as T;
};

const receiver = (answer: (n: number) => number | undefined) => startReceiver(answerWith(answer));

/** A fresh account with one endpoint at `url`, and one ongoing order of it completed: its event id. */
const accountWithEndpoint = async (label: string, url: string) => {
  const account = `wh-${label}-${process.pid}-${Date.now().toString(36)}`;
  const { secret: apiSecret } = json<{ secret: string }>(await cli('accounts', ['create', account]));
  const endpoint = json<{ endpoint_id: string; url: string; secret: string }>(
    await cli('webhooks', ['add', account, url]),
  );
  const completeOne = async () => {
    const handle = uniqueHandle(label);
    await seedOrders(client, [makeOrder({ account_id: account, order_handle: handle })]);
    expect((await complete(handle, { auth: basic(account, apiSecret) })).status).toBe(200);
    const [event] = await waitForEvents(forRecord(account, handle));
    return String(event?.detail.event_id);
  };
  return { account, endpoint, completeOne };
};

const waitFor = async <T>(probe: () => T | undefined, deadlineMs: number): Promise<T | undefined> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > until) return value;
    await sleep(50);
  }
};

const readLines = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as T)
    : [];

describe('signed webhooks on the local stack', () => {
  test('a completion arrives at the local receiver, verified, in the provider format with the event id', async () => {
    const handle = uniqueHandle('wh-local');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    expect((await complete(handle)).status).toBe(200);
    const [event] = await waitForEvents(forRecord(LOCAL, handle));
    const line = await waitFor(
      () =>
        readLines<{ webhook_id: string; body: { event_id: string; data: Record<string, unknown> }[] }>(
          webhooksFile(),
        ).find((entry) => entry.webhook_id === event?.detail.event_id),
      15_000,
    );
    expect(line?.body).toEqual([
      expect.objectContaining({
        event_id: event?.detail.event_id,
        account_id: LOCAL,
        type: 'order',
        data: expect.objectContaining({ value: 'completed', order_handle: handle, status: 'completed' }),
      }),
    ]);
  });

  test('the local receiver answers 401 to a bad signature and records nothing', async () => {
    const url = `http://127.0.0.1:${process.env.E2E_WEBHOOK_RECEIVER_PORT}/webhooks`;
    const before = readLines(webhooksFile()).length;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'forged-1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}`,
      },
      body: '[]',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Invalid webhook signature', detail: expect.any(Object) });
    expect(readLines(webhooksFile())).toHaveLength(before);
  });

  test('a receiver that fails, then succeeds: the retries carry the same webhook-id, exactly one verified delivery', async () => {
    const flaky = await receiver((n) => (n <= 2 ? 503 : 200));
    const { endpoint, completeOne } = await accountWithEndpoint('flaky', flaky.url);
    const eventId = await completeOne();
    await waitFor(() => (flaky.hits.some((hit) => hit.status === 200) ? true : undefined), 20_000);
    await sleep(1_000); // nothing more may come after the success
    expect(flaky.hits.map((hit) => hit.status)).toEqual([503, 503, 200]);
    for (const hit of flaky.hits) {
      expect(hit.headers['webhook-id']).toBe(eventId);
      expect(new Webhook(endpoint.secret).verify(hit.body, hit.headers as Record<string, string>)).toEqual(
        JSON.parse(hit.body),
      );
    }
    const gaps = flaky.hits.slice(1).map((hit, i) => hit.at - flaky.hits[i]!.at);
    console.log(`flaky receiver: attempts ${gaps.map((g) => `+${g} ms`).join(', ')} apart (schedule scaled 1/5000)`);
  }, 60_000);

  test('a receiver that never answers ends in the dead-letter queue after every attempt', async () => {
    const dead = await receiver(() => undefined);
    const { completeOne } = await accountWithEndpoint('dead', dead.url);
    const eventId = await completeOne();
    const letter = await waitFor(
      () =>
        readLines<{ reason: string; message: { detail: { event_id: string } } }>(deadLettersFile()).find(
          (entry) => entry.message.detail?.event_id === eventId,
        ),
      90_000,
    );
    expect(letter?.reason).toMatch(new RegExp(`no answer within 1000 ms after ${MAX_ATTEMPTS} attempts`));
    expect(dead.hits).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(dead.hits.map((hit) => hit.headers['webhook-id']))).toEqual(new Set([eventId]));
  }, 120_000);

  test('410 Gone disables the endpoint; nothing more is sent to it', async () => {
    const gone = await receiver(() => 410);
    const { account, endpoint, completeOne } = await accountWithEndpoint('gone', gone.url);
    await completeOne();
    await waitFor(() => (gone.hits.length > 0 ? true : undefined), 15_000);
    await sleep(500);
    const listed = json<{ status: string; disabled_reason: string }>(await cli('webhooks', ['list', account]));
    expect(listed).toMatchObject({ status: 'disabled', disabled_reason: 'receiver answered 410 Gone' });
    await completeOne();
    await sleep(1_500);
    expect(gone.hits).toHaveLength(1);
    expect(endpoint.endpoint_id).toMatch(/^ep_/);
  }, 60_000);
});

describe('npm run webhooks against the local stack', () => {
  test('list never shows secrets; rotate signs with both (two v1 entries) until retire; test; replay keeps webhook-ids', async () => {
    const endpoints = (await cli('webhooks', ['list', LOCAL])).stdout.trim().split('\n');
    const local = JSON.parse(endpoints[0] as string) as { endpoint_id: string; url: string };
    expect(endpoints.join('\n')).not.toMatch(/whsec_/);

    const rotated = json<{ endpoint_id: string; url: string; secret: string }>(
      await cli('webhooks', ['rotate', LOCAL, local.endpoint_id, '--old-expires-in', '1h']),
    );
    expect(Object.keys(rotated).sort()).toEqual(['endpoint_id', 'secret', 'url']);
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const tested = json<{ webhook_id: string; result: string }>(
      await cli('webhooks', ['test', LOCAL, local.endpoint_id]),
    );
    expect(tested.result).toBe('delivered');
    const received = readLines<{ webhook_id: string; signatures: number; body: { type: string }[] }>(
      webhooksFile(),
    ).find((line) => line.webhook_id === tested.webhook_id);
    expect(received).toMatchObject({ signatures: 2, body: [{ type: 'test' }] });
    expect((await cli('webhooks', ['rotate', LOCAL, local.endpoint_id])).code).toBe(1); // two already
    json(await cli('webhooks', ['retire', LOCAL, local.endpoint_id]));
    const after = json<{ webhook_id: string }>(await cli('webhooks', ['test', LOCAL, local.endpoint_id]));
    expect(
      readLines<{ webhook_id: string; signatures: number }>(webhooksFile()).find(
        (l) => l.webhook_id === after.webhook_id,
      )?.signatures,
    ).toBe(1);

    const handle = uniqueHandle('wh-replay');
    const from = new Date(Date.now() - 1_000).toISOString();
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    expect((await complete(handle)).status).toBe(200);
    const [event] = await waitForEvents(forRecord(LOCAL, handle));
    await waitFor(
      () => readLines<{ webhook_id: string }>(webhooksFile()).find((l) => l.webhook_id === event?.detail.event_id),
      15_000,
    );
    const replay = await cli('webhooks', [
      'replay',
      LOCAL,
      '--from',
      from,
      '--to',
      new Date(Date.now() + 1_000).toISOString(),
    ]);
    // Every delivery's result is on stdout, the summary on stderr: shown when one was not delivered.
    if (replay.code !== 0) console.log(`webhooks replay exited ${replay.code}:\n${replay.stdout}${replay.stderr}`);
    expect(replay.code).toBe(0);
    const replayed = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { webhook_id: string; result: string });
    expect(replayed).toContainEqual(
      expect.objectContaining({ webhook_id: event?.detail.event_id, result: 'delivered (HTTP 204)' }),
    );
    expect(
      readLines<{ webhook_id: string }>(webhooksFile()).filter((l) => l.webhook_id === event?.detail.event_id),
    ).toHaveLength(2);
  }, 120_000);

  test('refusals: internal or non-https URLs exit 1 with one line; bad usage exits 2', async () => {
    const metadata = await cli('webhooks', ['add', LOCAL, 'http://169.254.169.254/latest/meta-data/']);
    expect(metadata.code).toBe(1);
    expect(metadata.stderr.replace(/runtime-node:.*\n/, '')).toBe('refused: 169.254.169.254 is not a public address\n');
    const mapped = await cli('webhooks', ['add', LOCAL, 'http://[::ffff:10.0.0.1]/']);
    expect(mapped.code).toBe(1);
    const usage = await cli('webhooks', ['remove', LOCAL]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/remove takes 2 argument\(s\) \(npm run webhooks -- --help\)/);
    expect((await cli('webhooks', ['remove', LOCAL, 'ep_0000000000000000'])).code).toBe(1);
    expect((await cli('webhooks', ['frobnicate'])).code).toBe(2);
  }, 60_000);
});

describe('delay from a completion’s 200 to the webhook’s arrival (local stack, 200 completions)', () => {
  test('every completion arrives, signed; p50 and p99 printed', async () => {
    const handles = Array.from({ length: 200 }, (_, i) => uniqueHandle(`wh-delay-${i}`));
    await seedOrders(
      client,
      handles.map((order_handle) => makeOrder({ order_handle })),
    );
    const answeredAt = new Map<string, number>();
    const sentAt = new Map<string, number>();
    for (let i = 0; i < handles.length; i += 4) {
      await Promise.all(
        handles.slice(i, i + 4).map(async (handle) => {
          sentAt.set(handle, Date.now());
          expect((await complete(handle)).status).toBe(200);
          answeredAt.set(handle, Date.now());
        }),
      );
    }
    const arrivals = await waitFor(() => {
      const found = new Map<string, number>();
      for (const line of readLines<{ received_at: string; body: { data?: { order_handle?: string } }[] }>(
        webhooksFile(),
      )) {
        const handle = line.body[0]?.data?.order_handle;
        if (handle !== undefined && answeredAt.has(handle) && !found.has(handle))
          found.set(handle, Date.parse(line.received_at));
      }
      return found.size === handles.length ? found : undefined;
    }, 60_000);
    expect(arrivals?.size).toBe(handles.length);
    const delays = handles
      .map((handle) => (arrivals?.get(handle) ?? 0) - (answeredAt.get(handle) ?? 0))
      .sort((a, b) => a - b);
    const fromSend = handles
      .map((handle) => (arrivals?.get(handle) ?? 0) - (sentAt.get(handle) ?? 0))
      .sort((a, b) => a - b);
    const pct = (values: number[], q: number) => values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)];
    // Negative: the webhook reached the receiver before the 200 reached the caller (both on this machine's clock).
    console.log(
      `webhook delay after the 200 (ms, ${delays.length} completions, 4 at a time, loaded shared machine): ` +
        `p50 ${pct(delays, 0.5)}, p90 ${pct(delays, 0.9)}, p99 ${pct(delays, 0.99)}, max ${delays[delays.length - 1]}; ` +
        `from sending the request: p50 ${pct(fromSend, 0.5)}, p99 ${pct(fromSend, 0.99)}`,
    );
  }, 240_000);
});
