// Must run first: handlers/complete-order.ts reads its config from the environment when it loads.
import '../support/env';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../../../adapters/aws-clients';
import { DynamoDbOrderStore } from '../../../adapters/dynamodb/order-store';
import { toItem } from '../../../adapters/dynamodb/seeder';
import {
  DynamoDbTrackStore,
  TRACK_CHUNK_MAX_BYTES,
  TRACK_INLINE_MAX_BYTES,
  type Fix,
} from '../../../adapters/dynamodb/track-store';
import type { AccountOrder } from '../../../domain/order';
import { createCompleteOrderHandler } from '../../../handlers/complete-order';
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { startDynamoDbMeter, type DynamoDbMeter } from '../../../scripts/local/fakes/dynamodb-meter';
import { ManualClock, makeDeps } from '../../support/fakes';
import { localCredentials } from '../support/credentials';
import { ACCOUNT, anOrder, endpoint, orderKey, type RawItem } from '../support/dynamo';
import { changedItems, freshTable, REGION, type Table } from '../support/fresh-table';
import { LOCAL_AUTH, completeEvent, decodedBody, lambdaContext } from '../support/http';

/**
 * The track stored apart from the order record (adapters/dynamodb/track-store.ts), on DynamoDB Local through the
 * whole handler: the same order answers byte for byte the same in the one-item layout and the new one; the completion
 * writes the record alone (its write units do not grow with the track); appends never rewrite earlier chunks and
 * are never lost to a concurrent append or completion; an old one-item order still completes.
 */
const credentials = localCredentials();
const logger = new Logger({ serviceName: 'orders-complete-integration', logLevel: 'SILENT' });

let oneItem: Table;
let apart: Table;
/** The append tests' own table, so its whole-table snapshots stay small. */
let appends: Table;
let meter: DynamoDbMeter;
beforeAll(async () => {
  [oneItem, apart, appends] = await Promise.all([freshTable('one-item'), freshTable('apart'), freshTable('appends')]);
  meter = await startDynamoDbMeter(endpoint());
});
afterAll(async () => {
  await meter.stop();
  await Promise.all([oneItem.drop(), apart.drop(), appends.drop()]);
});

const iso = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 5000).toISOString();
/** A realistic position fix: [lng, lat, altitude, recorded_at]. */
const fix = (i: number): Fix => [
  Number((-121.877246 - i / 1e6).toFixed(6)),
  Number((37.371916 + i / 1e6).toFixed(6)),
  Number((24 + (i % 40) * 0.5).toFixed(1)),
  iso(i),
];
/** The answer's polyline points. */
const pointsOf = (text: string): Fix[] =>
  (JSON.parse(text) as { polyline: { coordinates: Fix[] } }).polyline.coordinates;
const fixes = (count: number, from = 0): Fix[] => Array.from({ length: count }, (_, i) => fix(from + i));

/** An order with `points` fixes and about 20 lifecycle events (a fix is a polyline point, not a timeline entry). */
const trip = (handle: string, points: number, overrides: Partial<AccountOrder> = {}): AccountOrder =>
  anOrder({
    order_handle: handle,
    type: 'drop',
    status: 'ongoing',
    polyline: { type: 'LineString', coordinates: fixes(points) },
    timeline: Array.from({ length: 20 }, (_, i) => ({
      type: i % 2 === 1 ? 'activity_changed' : 'order_updated',
      recorded_at: iso(i * 100),
    })),
    ...overrides,
  });

const AT = Date.parse('2026-12-01T10:00:00.000Z');

const complete = async (table: Table, handle: string, query = '', headers: Record<string, string> = {}) => {
  const { deps, publisher } = makeDeps(table.store, { now: new ManualClock(AT).now });
  const handler = createCompleteOrderHandler(deps, credentials, logger);
  const response = await handler(
    completeEvent(handle, { authorization: LOCAL_AUTH, rawQueryString: query, headers }),
    lambdaContext(60_000) as AuthenticatedContext,
  );
  return { response, text: decodedBody(response), publisher };
};

const chunksOf = (items: RawItem[], handle: string): RawItem[] =>
  items.filter((item) => String(item.sk).startsWith('~track#') && item.pk === `${ACCOUNT}#${handle}`);

describe('the same order in both layouts', () => {
  test.each([
    [10, ''],
    [1_000, ''],
    [1_000, '?type=drop&type_index=0'],
    [1_000, '?type=drop&type_index=0&fulfillment_attempt=0'],
    [2_500, ''],
    [2_500, '?type=drop&type_index=0&fulfillment_attempt=0'],
  ])(
    '%i points, query "%s": identical 200 bodies and identical events',
    async (points, query) => {
      const handle = `same-${points}-${query.length}`;
      const order = trip(handle, points);
      await oneItem.put(toItem(order)); // as every order was stored before
      await apart.seeder.putOrders([order]);
      const stored = await apart.snapshot();
      const records = stored.filter((item) => item.order_handle === handle && !String(item.sk).startsWith('~'));
      expect(records).toHaveLength(1);
      expect(records[0]?.polyline === undefined).toBe(points > 20);

      const before = await complete(oneItem, handle, query);
      const after = await complete(apart, handle, query);
      expect(after.response.statusCode).toBe(200);
      expect(after.text).toBe(before.text);
      expect(after.response.headers).toEqual(before.response.headers);
      expect(pointsOf(after.text)).toHaveLength(points);
      expect(after.publisher.published).toEqual(before.publisher.published);

      // Completing again (already completed: nothing written) answers the same too.
      const againBefore = await complete(oneItem, handle, query);
      const againAfter = await complete(apart, handle, query);
      expect(againAfter.text).toBe(againBefore.text);
    },
    120_000,
  );
});

test('20 000 points (more than one item can hold): completes, answering every fix in order', async () => {
  const handle = 'twenty-thousand';
  const order = trip(handle, 20_000);
  await apart.seeder.putOrders([order]);
  for (const query of ['', '?type=drop&type_index=0&fulfillment_attempt=0']) {
    const { response, text, publisher } = await complete(apart, handle, query);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body.polyline).toEqual(order.polyline);
    expect(body.status).toBe('completed');
    expect(publisher.attempts.length).toBe(query === '' ? 1 : 0);
  }
}, 180_000);

describe('write and read units of a completion (DynamoDB Local, metered)', () => {
  test('the track adds no write units: 1 000, 2 500 and 20 000 points cost what 10 do; reads stay at or under the one-item layout', async () => {
    const client = createDocumentClient({ region: REGION, endpoint: meter.endpoint });
    const metered = {
      oneItem: new DynamoDbOrderStore(client, oneItem.name),
      apart: new DynamoDbOrderStore(client, apart.name),
    };
    const unitsOf = async (layout: 'oneItem' | 'apart', points: number, query: string) => {
      const table = layout === 'oneItem' ? oneItem : apart;
      const handle = `units-${layout}-${points}-${query.length}`;
      const order = trip(handle, points);
      if (layout === 'oneItem') await table.put(toItem(order));
      else await table.seeder.putOrders([order]);
      const { deps } = makeDeps(metered[layout]);
      const handler = createCompleteOrderHandler(deps, credentials, logger);
      const first = meter.calls.length;
      const response = await handler(
        completeEvent(handle, { authorization: LOCAL_AUTH, rawQueryString: query }),
        lambdaContext(60_000) as AuthenticatedContext,
      );
      expect(response.statusCode).toBe(200);
      const calls = meter.calls.slice(first).filter((call) => call.operation !== 'GetItem'); // the credential read
      return {
        write: calls.reduce((sum, call) => sum + call.write_units, 0),
        read: calls.reduce((sum, call) => sum + call.read_units, 0),
        calls: calls.map((call) => call.operation),
      };
    };
    try {
      const figures: string[] = [];
      for (const query of ['', '?type=drop&type_index=0&fulfillment_attempt=0']) {
        const small = await unitsOf('apart', 10, query);
        for (const points of [1_000, 2_500, 20_000]) {
          // 20 000 points do not fit one item: the one-item layout cannot store (so cannot complete) it.
          const before =
            points <= 2_500 ? await unitsOf('oneItem', points, query) : { write: Infinity, read: Infinity, calls: [] };
          const after = await unitsOf('apart', points, query);
          expect(after.write).toBeLessThanOrEqual(small.write);
          expect(after.write).toBeLessThan(before.write);
          if (query === '') {
            // A plain POST reads the records and their chunks in ONE Query, rounded up to 4 KB once as the one-item
            // layout's Query is; only the chunks' own keys (about 100 bytes per 8 KB chunk) can cross a boundary.
            expect(after.read).toBeLessThanOrEqual(before.read + 1);
            if (points <= 2_500) expect(after.calls).toEqual(['Query', 'UpdateItem', 'UpdateItem']);
          }
          figures.push(
            `${points} points${query === '' ? '' : ' (exact)'}: WRU ${before.write} -> ${after.write} (10 points: ` +
              `${small.write}), RRU ${before.read} -> ${after.read}, calls ${after.calls.join('+')}`,
          );
        }
        if (query !== '') {
          // The exact-record path of a short order: 0 reads, 2 writes.
          expect(small.calls).toEqual(['UpdateItem', 'UpdateItem']);
        }
      }
      process.stdout.write(`track apart, per completion:\n  ${figures.join('\n  ')}\n`);
    } finally {
      client.destroy();
    }
  }, 240_000);
});

describe('appending fixes', () => {
  test('a short track stays inline; past the inline limit it moves out; later appends rewrite only the open chunk', async () => {
    const handle = 'append-grow';
    const order = trip(handle, 3);
    await appends.seeder.putOrders([order]);
    const tracks = new DynamoDbTrackStore(appends.client, appends.name);
    const key = orderKey(order);

    expect(await tracks.appendFixes(key, fixes(2, 3))).toEqual({ layout: 'inline' });
    let record = (await appends.snapshot()).find((item) => item.order_handle === handle);
    expect((record?.polyline as { coordinates: unknown[] }).coordinates).toEqual(fixes(5));

    // Past TRACK_INLINE_MAX_BYTES: out of the record in one move.
    const grown = Math.ceil(TRACK_INLINE_MAX_BYTES / 40);
    expect(await tracks.appendFixes(key, fixes(grown, 5))).toEqual({ layout: 'apart' });
    const items = await appends.snapshot();
    record = items.find((item) => item.order_handle === handle);
    expect(record?.polyline).toBeUndefined();
    expect(record?.track_apart).toBe(true);
    expect(await tracks.readTrack(key)).toEqual(fixes(5 + grown));

    // Enough for several chunks, then one more fix: only the last chunk changes.
    const many = Math.ceil((3 * TRACK_CHUNK_MAX_BYTES) / 40);
    await tracks.appendFixes(key, fixes(many, 5 + grown));
    const before = await appends.snapshot();
    expect(chunksOf(before, handle).length).toBeGreaterThanOrEqual(3);
    await tracks.appendFixes(key, fixes(1, 5 + grown + many));
    const changed = changedItems(before, await appends.snapshot());
    expect(changed).toHaveLength(1);
    expect(String(changed[0]?.sk)).toBe(String(chunksOf(before, handle).at(-1)?.sk));
    expect(await tracks.readTrack(key)).toEqual(fixes(5 + grown + many + 1));
    for (const chunk of chunksOf(await appends.snapshot(), handle)) {
      expect(Buffer.byteLength(JSON.stringify(chunk.fixes))).toBeLessThan(2 * TRACK_CHUNK_MAX_BYTES);
    }
  }, 120_000);

  test('a missing order: OrderNotFound, nothing written', async () => {
    const tracks = new DynamoDbTrackStore(appends.client, appends.name);
    const before = await appends.snapshot();
    await expect(
      tracks.appendFixes(
        { account_id: ACCOUNT, order_handle: 'nobody', type: 'drop', type_index: 0, fulfillment_attempt: 0 },
        fixes(3),
      ),
    ).rejects.toMatchObject({ name: 'OrderNotFound' });
    expect(changedItems(before, await appends.snapshot())).toEqual([]);
  });

  test('concurrent appends (inline, moving out, apart) lose nothing and keep each append in order', async () => {
    const handle = 'append-race';
    const order = trip(handle, 2);
    await appends.seeder.putOrders([order]);
    const tracks = new DynamoDbTrackStore(appends.client, appends.name);
    const key = orderKey(order);
    // 8 writers, 6 appends each of 15 fixes: the track passes the inline limit and several chunks meanwhile.
    const writers = Array.from({ length: 8 }, (_, w) => w);
    await Promise.all(
      writers.map(async (w) => {
        for (let round = 0; round < 6; round += 1) {
          await tracks.appendFixes(key, fixes(15, 10_000 * (w + 1) + 15 * round));
        }
      }),
    );
    const track = await tracks.readTrack(key);
    expect(track).toHaveLength(2 + 8 * 6 * 15);
    expect(track.slice(0, 2)).toEqual(fixes(2));
    for (const w of writers) {
      const own = track.filter((entry) => {
        const at = Date.parse(String(entry[3]));
        const i = (at - Date.UTC(2024, 0, 1)) / 5000;
        return i >= 10_000 * (w + 1) && i < 10_000 * (w + 2);
      });
      expect(own).toEqual(fixes(6 * 15, 10_000 * (w + 1)));
    }
  }, 120_000);

  test('a completion racing appends: the completion is recorded once and every fix is kept', async () => {
    const handle = 'append-vs-complete';
    const order = trip(handle, 2_000);
    await appends.seeder.putOrders([order]);
    const tracks = new DynamoDbTrackStore(appends.client, appends.name);
    const key = orderKey(order);
    const appending = (async () => {
      for (let round = 0; round < 10; round += 1) await tracks.appendFixes(key, fixes(50, 2_000 + 50 * round));
    })();
    const [{ response, text, publisher }] = await Promise.all([
      complete(appends, handle, '?type=drop&type_index=0&fulfillment_attempt=0'),
      appending,
    ]);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(text) as { status: string; polyline: { coordinates: Fix[] } };
    expect(body.status).toBe('completed');
    // The answer has the track as it was at some moment: a prefix of the final one, at least the seeded fixes.
    const final = await tracks.readTrack(key);
    expect(final).toEqual(fixes(2_500));
    expect(body.polyline.coordinates.length).toBeGreaterThanOrEqual(2_000);
    expect(final.slice(0, body.polyline.coordinates.length)).toEqual(body.polyline.coordinates);
    expect(publisher.published).toHaveLength(1);
    const record = (await appends.snapshot()).find(
      (item) => item.order_handle === handle && item.sk === 'drop#0000000000#0000000000',
    );
    expect(record?.status).toBe('completed');
  }, 120_000);
});

describe('an order in the one-item layout (stored before the track moved apart)', () => {
  test('a long inline track still completes, answering it whole; appends then move it out', async () => {
    const handle = 'old-layout';
    const order = trip(handle, 1_500);
    await apart.put(toItem(order));
    const { response, text } = await complete(apart, handle);
    expect(response.statusCode).toBe(200);
    expect(pointsOf(text)).toEqual(order.polyline?.coordinates);

    const tracks = new DynamoDbTrackStore(apart.client, apart.name);
    await tracks.appendFixes(orderKey(order), fixes(3, 1_500));
    expect(await tracks.readTrack(orderKey(order))).toEqual(fixes(1_503));
    const again = await complete(apart, handle);
    expect(pointsOf(again.text)).toEqual(fixes(1_503));
  }, 120_000);
});
