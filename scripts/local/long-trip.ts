import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toDocumentClient } from '../../adapters/aws-clients';
import { DynamoDbOrderSeeder } from '../../adapters/dynamodb/seeder';
import { accountOrderSchema, type AccountOrder } from '../../domain/order';

/** Fixes in the local long-trip sample: about 28 hours at one fix every 5 seconds. */
export const LONG_TRIP_POINTS = 20_000;

/**
 * `order-5` of local-account: an ongoing drop whose trip has LONG_TRIP_POINTS fixes (its track is stored apart; its
 * answer, about 1.2 MB of JSON, comes gzip-compressed). Built here rather than kept in seed/sample-orders.json.
 */
export const longTripSample = (): AccountOrder => {
  const start = Date.parse('2026-01-05T08:00:00.000Z');
  const at = (i: number) => new Date(start + i * 5_000).toISOString();
  return accountOrderSchema.parse({
    account_id: 'local-account',
    order_handle: 'order-5',
    fulfillment_attempt: 0,
    status: 'ongoing',
    type: 'drop',
    type_index: 0,
    destination: {
      geometry: { type: 'Point', coordinates: [-121.8871193, 37.390611] },
      address: '1709 Automation Pkwy, San Jose, CA 95101',
      radius: 100,
    },
    worker_handle: 'James',
    device_id: '52193948-1A79-47CC-AB81-2FB0A59536D1',
    route_handle: 'b7d6e2f0-5c1e-4f6a-9d0e-3a1c2b4d5e6f',
    created_at: at(0),
    started_at: at(1),
    polyline: {
      type: 'LineString',
      coordinates: Array.from({ length: LONG_TRIP_POINTS }, (_, i) => [
        Number((-122.4 + i * 0.000013).toFixed(6)),
        Number((37.7 + i * 0.000015).toFixed(6)),
        Number((12 + (i % 40) * 0.5).toFixed(1)),
        at(i),
      ]),
    },
    timeline: [
      { type: 'order_created', recorded_at: at(0) },
      { type: 'order_started', recorded_at: at(1) },
    ],
  });
};

/** Seeds it with a client of its own: DynamoDB Local on a busy machine may take longer than the service's 2 s a call. */
export const seedLongTrip = async (endpoint: string, region: string, tableName: string): Promise<void> => {
  const client = new DynamoDBClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  try {
    await new DynamoDbOrderSeeder(toDocumentClient(client), tableName).putOrders([longTripSample()]);
  } finally {
    client.destroy();
  }
};
