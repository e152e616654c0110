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
import { ACCOUNT, anOrder, type RawItem } from '../support/dynamo';
import { localCredentials } from '../support/credentials';
import { makeDeps } from '../../support/fakes';
import { LOCAL_AUTH, completeEvent, lambdaContext, parseResponse, type ParsedResponse } from '../support/http';
import { changedItems, freshTable, type Table } from '../support/fresh-table';

/**
 * Orders at DynamoDB's 400 KB item limit and 50 000-point polylines, through the whole handler on
 * DynamoDB Local, each in a table of this file's own: the completion either succeeds whole (200, the
 * polyline intact) or is refused with a clear 409 `item_size_limit`, and a whole-table snapshot shows
 * no partial write. The OrderCompleted event of the largest order stays a few hundred bytes.
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

describe('a 50 000-point polyline', () => {
  test('the smallest fixes ([0, 0]), so that it fits the item: completes whole (200, all 50 000 points) or 409 item_size_limit, never partly', async () => {
    await table.clear();
    const handle = 'fifty-thousand-compact';
    const order = withPolyline(
      handle,
      // The smallest a fix gets in DynamoDB (7 bytes): any larger numbers and 50 000 of them pass 400 KB.
      Array.from({ length: 50_000 }, () => [0, 0]),
    );
    await table.seeder.putOrders([order, anOrder({ order_handle: 'neighbour', status: 'ongoing' })]);
    const before = await table.snapshot();

    const { response, publisher, ms } = await complete(handle);
    const changed = changedItems(before, await table.snapshot());
    const pendingEvent = changed[0]?.pending_event as { event_id?: string } | undefined;
    process.stdout.write(
      `50 000 compact points: ${response.statusCode} in ${ms} ms` +
        (response.statusCode !== 200
          ? '\n'
          : publisher.published.length === 1
            ? ', its event published by the request\n'
            : `, its event left pending for the relay (no time left to publish on this machine)\n`),
    );
    if (response.statusCode === 200) {
      expect((response.body.polyline as { coordinates: unknown[] }).coordinates).toHaveLength(50_000);
      expect(response.body.polyline).toEqual(order.polyline);
      expect(changed.map((item) => [item.pk, item.status])).toEqual([[`${ACCOUNT}#${handle}`, 'completed']]);
      expect(changed[0]?.polyline).toEqual(order.polyline);
      if (publisher.published.length === 0) {
        // The write took (nearly) all of the request's time on a loaded machine: as the contract says, the answer is
        // still the 200, and the event is not lost but held in the outbox for the relay.
        expect(pendingEvent?.event_id).toMatch(/^[0-9a-f]{32}$/);
      } else {
        expect(publisher.published).toHaveLength(1);
        expect(eventEntryBytes(publisher.published[0])).toBeLessThan(4_096);
      }
    } else {
      expect(response.statusCode).toBe(409);
      expect(response.body.detail).toEqual({ reason: 'item_size_limit' });
      expect(changed).toEqual([]);
      expect(publisher.attempts).toEqual([]);
    }
  }, 180_000);

  test('realistic fixes ([lng, lat, alt, time]): DynamoDB refuses to store such an order at all, so nothing exists to complete (404), no partial item', async () => {
    await table.clear();
    const handle = 'fifty-thousand-realistic';
    const order = withPolyline(
      handle,
      Array.from({ length: 50_000 }, (_, i) => fix(i)),
    );
    expect(accountOrderSchema.safeParse(order).success).toBe(true);
    await table.seeder.putOrders([anOrder({ order_handle: 'neighbour', status: 'ongoing' })]);
    const before = await table.snapshot();

    await expect(table.seeder.putOrders([order])).rejects.toMatchObject({ name: 'ValidationException' });
    expect(changedItems(before, await table.snapshot())).toEqual([]);

    const { response, publisher } = await complete(handle);
    expect(response.statusCode).toBe(404);
    expectDocumentedError(404, response.body);
    expect(changedItems(before, await table.snapshot())).toEqual([]);
    expect(publisher.attempts).toEqual([]);
  }, 180_000);
});
