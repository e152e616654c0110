import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import { LONG_TRIP_POINTS, longTripSample } from '../../scripts/local/long-trip';
import type { AccountOrder } from '../../domain/order';
import { expectDocumentedError } from '../support/error-shapes';
import {
  LOCAL,
  baseUrl,
  client,
  completeJson,
  eventsAfterQuietWindow,
  forRecord,
  getRaw,
  makeOrder,
  putRaw,
  recordOf,
  uniqueHandle,
  waitForEvents,
} from './support/e2e';

/**
 * An order at DynamoDB's 400 KB item limit, over real HTTP: 409 item_size_limit with the record as it
 * was and no event; 2 KB smaller it completes (200 with its whole polyline) and its OrderCompleted
 * event, as the subscriber received it, is a few hundred bytes.
 */
const iso = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();

const padded = (handle: string, pad: number): AccountOrder =>
  makeOrder({
    order_handle: handle,
    polyline: {
      type: 'LineString',
      coordinates: [
        ...Array.from({ length: 999 }, (_, i) => [-121.877246 - i / 1e6, 37.371916 + i / 1e6, 24.49, iso(i)]),
        [-121.8, 37.3, 24.49, `${iso(999)}${'~'.repeat(pad)}`],
      ],
    },
  });

describe('an order at the 400 KB item limit, over HTTP', () => {
  test('409 item_size_limit and untouched; trimmed by 2 KB it completes whole, with a small event', async () => {
    const handle = uniqueHandle('limit');
    const id = recordOf(handle);
    const store = async (pad: number): Promise<boolean> =>
      putRaw(client, id, { ...padded(handle, pad) }).then(
        () => true,
        () => false,
      );
    let low = 200_000;
    let high = 409_600;
    while (high - low > 16) {
      const pad = Math.floor((low + high) / 2);
      if (await store(pad)) low = pad;
      else high = pad;
    }
    expect(await store(low)).toBe(true);
    const before = await getRaw(client, id);

    const refused = await completeJson(handle);
    expect(refused.status).toBe(409);
    expectDocumentedError(409, refused.body);
    expect(refused.body.detail).toEqual({ reason: 'item_size_limit' });
    expect(await getRaw(client, id)).toEqual(before);

    const trimmed = padded(handle, low - 2_048);
    expect(await store(low - 2_048)).toBe(true);
    const done = await completeJson(handle);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.polyline).toEqual(trimmed.polyline);
    expect((await getRaw(client, id))?.status).toBe('completed');

    const events = await waitForEvents(forRecord(LOCAL, handle));
    expect(events).toHaveLength(1);
    const eventBytes = Buffer.byteLength(JSON.stringify(events[0]));
    process.stdout.write(
      `400 KB order over HTTP: 200 body ${Buffer.byteLength(done.text)} bytes; OrderCompleted as delivered ${eventBytes} bytes\n`,
    );
    expect(eventBytes).toBeLessThan(4_096);
    expect(await eventsAfterQuietWindow(forRecord(LOCAL, handle), 500)).toHaveLength(1);
  }, 90_000);
});

describe('the long-trip sample (order-5, 20 000 points, seeded by npm start), over HTTP', () => {
  /** A raw POST (node:http, no automatic decompression), so the wire encoding is visible. */
  const rawPost = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const url = new URL(path, baseUrl());
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('local-account:local-secret').toString('base64')}`,
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  test('curl --compressed: 200, Content-Encoding gzip, every point; identity answers the same order uncompressed', async () => {
    const gzipped = await rawPost('/orders/order-5/complete', { 'accept-encoding': 'deflate, gzip' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(gzipped.body).toString('utf8');
    const order = JSON.parse(text) as { status: string; polyline: { coordinates: unknown[] } };
    expect(order.status).toBe('completed');
    expect(order.polyline.coordinates).toHaveLength(LONG_TRIP_POINTS);
    expect(order.polyline.coordinates).toEqual(longTripSample().polyline?.coordinates);

    // Under 6 MB a caller refusing gzip still gets the answer, as is.
    const plain = await rawPost('/orders/order-5/complete', { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(text);
    process.stdout.write(
      `order-5 over HTTP: ${Buffer.byteLength(text)} bytes of JSON, ${gzipped.body.length} gzipped\n`,
    );
  }, 90_000);
});
