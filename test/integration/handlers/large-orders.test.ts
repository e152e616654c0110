// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import '../support/env';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import { toItem } from '../../../adapters/dynamodb/seeder';
import { ORDER_COMPLETED_DETAIL_TYPE } from '../../../domain/order-completed-event';
import { accountOrderSchema, type AccountOrder } from '../../../domain/order';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { expectDocumentedError } from '../../support/error-shapes';
import { ACCOUNT, anOrder, getItem, orderKey, type RawItem } from '../support/dynamo';
import { localCredentials } from '../support/credentials';
import { makeDeps } from '../../support/fakes';
import { LOCAL_AUTH, completeEvent, lambdaContext, parseResponse, type ParsedResponse } from '../support/http';
import { changedItems, freshTable, type Table } from '../support/fresh-table';

/**
 * Orders at DynamoDB's 400 KB item limit (in the one-item layout, as stored before long tracks moved apart) and
 * 50 000-point polylines (tracks stored apart), through the whole handler on DynamoDB Local, each in a table of this
 * file's own: the completion either succeeds whole (200, the polyline intact) or is refused with a clear 409
 * `item_size_limit`, and a whole-table snapshot shows no partial write. The OrderCompleted event of the largest order
 * stays a few hundred bytes.
 */
const credentials = localCredentials();
const logger = new Logger({ serviceName: 'orders-complete-integration', logLevel: 'SILENT' });

let table: Table;
beforeAll(async () => {
  table = await freshTable('large');
});
afterAll(() => table.drop());

const complete = async (handle: string) => {
  const { deps, publisher } = makeDeps(table.store);
  const handler = createCompleteOrderHandler(deps, credentials, logger);
  const started = Date.now();
  const response: ParsedResponse = parseResponse(
    await handler(
      completeEvent(handle, { authorization: LOCAL_AUTH, body: '{}', contentType: 'application/json' }),
      lambdaContext(20_000) as AuthenticatedContext,
    ),
  );
  return { response, publisher, ms: Date.now() - started };
};

const iso = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
/** A realistic position fix: [lng, lat, altitude, recorded_at]. */
const fix = (i: number): (number | string)[] => [-121.877246 - i / 1e6, 37.371916 + i / 1e6, 24.49, iso(i)];

const withPolyline = (handle: string, coordinates: (number | string | null)[][]): AccountOrder =>
  anOrder({ order_handle: handle, status: 'ongoing', polyline: { type: 'LineString', coordinates } });

const eventEntryBytes = (detail: unknown): number =>
  14 +
  Buffer.byteLength('orders-complete.integration') +
  ORDER_COMPLETED_DETAIL_TYPE.length +
  JSON.stringify(detail).length;

/** Item size, roughly as DynamoDB counts it (names + values): for the report only. */
const approxItemKb = (item: RawItem): string => (Buffer.byteLength(JSON.stringify(item)) / 1024).toFixed(0);

describe('an order at the 400 KB item limit', () => {
  /** 1 000 realistic fixes, the last one carrying `pad` more characters: the polyline fills the item. */
  const padded = (handle: string, pad: number): AccountOrder =>
    withPolyline(handle, [
      ...Array.from({ length: 999 }, (_, i) => fix(i)),
      [-121.8, 37.3, 24.49, `${iso(999)}${'~'.repeat(pad)}`],
    ]);

  /** The largest padding DynamoDB still stores for this order (to 16 bytes). */
  const largestStorablePad = async (handle: string): Promise<number> => {
    let low = 200_000;
    let high = 409_600;
    while (high - low > 16) {
      const pad = Math.floor((low + high) / 2);
      // Only DynamoDB's refusal of the size means "too large"; anything else (a timeout on a loaded machine) is a
      // failure of the test's own setup and must not shrink the limit it searches for.
      const stored = await table.put({ ...toItem(padded(handle, pad)) }).then(
        () => true,
        (error: unknown) => {
          if ((error as Error).name === 'ValidationException') return false;
          throw error;
        },
      );
      if (stored) low = pad;
      else high = pad;
    }
    return low;
  };

  test('filled to the limit: 409 item_size_limit, the table unchanged; trimmed by 2 KB: 200 with the polyline intact', async () => {
    await table.clear();
    const handle = 'at-the-limit';
    const pad = await largestStorablePad(handle);
    const full = padded(handle, pad);
    expect(accountOrderSchema.safeParse(full).success).toBe(true); // a valid order of the API
    await table.put(toItem(full));
    await table.seeder.putOrders([anOrder({ order_handle: 'neighbour', status: 'ongoing' })]);
    const before = await table.snapshot();

    const refused = await complete(handle);
    expect(refused.response.statusCode).toBe(409);
    expectDocumentedError(409, refused.response.body);
    expect(refused.response.body.detail).toEqual({ reason: 'item_size_limit' });
    expect(changedItems(before, await table.snapshot())).toEqual([]);
    expect(refused.publisher.attempts).toEqual([]);

    // The same order 2 KB smaller leaves room for the completion (status, time, timeline event, pending marker).
    const trimmed = padded(handle, pad - 2_048);
    await table.put(toItem(trimmed));
    const beforeTrimmed = await table.snapshot();
    const done = await complete(handle);
    expect(done.response.statusCode).toBe(200);
    expect(done.response.body.status).toBe('completed');
    expect(done.response.body.polyline).toEqual(trimmed.polyline);
    const changed = changedItems(beforeTrimmed, await table.snapshot());
    expect(changed.map((item) => [item.pk, item.status])).toEqual([[`${ACCOUNT}#${handle}`, 'completed']]);
    expect(changed[0]?.polyline).toEqual(trimmed.polyline);
    expect(done.publisher.published).toHaveLength(1);
    const eventBytes = eventEntryBytes(done.publisher.published[0]);
    expect(eventBytes).toBeLessThan(4_096);
    process.stdout.write(
      `400 KB order: largest storable ~${approxItemKb(changed[0] as RawItem)} KB item; 409 in ${refused.ms} ms, ` +
        `200 in ${done.ms} ms; its OrderCompleted entry ${eventBytes} bytes\n`,
    );
  }, 180_000);
});

describe('a 50 000-point polyline (its track stored apart)', () => {
  const fiftyThousand = (handle: string): AccountOrder =>
    withPolyline(
      handle,
      Array.from({ length: 50_000 }, (_, i) => fix(i)),
    );

  const completeWith = async (handle: string, headers: Record<string, string>) => {
    const { deps, publisher } = makeDeps(table.store);
    const handler = createCompleteOrderHandler(deps, credentials, logger);
    const raw = await handler(
      completeEvent(handle, { authorization: LOCAL_AUTH, headers }),
      lambdaContext(60_000) as AuthenticatedContext,
    );
    return { raw, response: parseResponse(raw), publisher };
  };

  test('realistic fixes ([lng, lat, alt, time]): stored, completed whole (200, gzip, every point), the event small', async () => {
    await table.clear();
    const handle = 'fifty-thousand-realistic';
    const order = fiftyThousand(handle);
    expect(accountOrderSchema.safeParse(order).success).toBe(true);
    await table.seeder.putOrders([order, anOrder({ order_handle: 'neighbour', status: 'ongoing' })]);

    // No Accept-Encoding: every coding is acceptable (RFC 9110), so the 7 MB answer comes gzip-compressed.
    const { raw, response, publisher } = await completeWith(handle, {});
    expect(response.statusCode).toBe(200);
    expect(raw.headers?.['content-encoding']).toBe('gzip');
    expect(raw.isBase64Encoded).toBe(true);
    expect(response.body.polyline).toEqual(order.polyline);
    expect(response.body.status).toBe('completed');
    const sentBytes = Buffer.byteLength(JSON.stringify(raw));
    expect(sentBytes).toBeLessThan(6 * 1024 * 1024);
    expect(publisher.published).toHaveLength(1);
    expect(eventEntryBytes(publisher.published[0])).toBeLessThan(4_096);
    process.stdout.write(
      `50 000 points: answer ${Buffer.byteLength(JSON.stringify(response.body))} bytes of JSON, ${sentBytes} bytes sent (gzip, base64)\n`,
    );
  }, 180_000);

  test('gzip refused (Accept-Encoding: identity): 406 response_too_large, the completion recorded once; with gzip the order, no second event', async () => {
    await table.clear();
    const handle = 'fifty-thousand-identity';
    // Fixes whose last element is long (any string is a valid fix element): over 6 MB of JSON in all.
    const order = withPolyline(
      handle,
      Array.from({ length: 50_000 }, (_, i) => [...fix(i).slice(0, 3), `${iso(i)}${'~'.repeat(100)}`]),
    );
    await table.seeder.putOrders([order]);

    const refused = await completeWith(handle, { 'accept-encoding': 'identity' });
    expect(refused.response.statusCode).toBe(406);
    expectDocumentedError(406, refused.response.body);
    expect(refused.response.body.detail).toMatchObject({ reason: 'response_too_large', accept_encoding: ['gzip'] });
    expect(refused.publisher.published).toHaveLength(1); // the completion happened, its event went out
    const record = await getItem(table.client, orderKey(order), table.name);
    expect(record?.status).toBe('completed');
    const completedAt = record?.completed_at;

    const retried = await completeWith(handle, { 'accept-encoding': 'gzip, deflate' });
    expect(retried.response.statusCode).toBe(200);
    expect(retried.raw.headers?.['content-encoding']).toBe('gzip');
    expect(retried.response.body.completed_at).toBe(completedAt);
    expect(retried.response.body.polyline).toEqual(order.polyline);
    expect(retried.publisher.attempts).toEqual([]); // already completed: nothing written, no new event
  }, 180_000);
});
