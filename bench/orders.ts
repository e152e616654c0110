import type { BenchOrder } from './service';

/**
 * Bench orders: an ongoing drop with the fields a real order carries, and a polyline and timeline of `points`
 * entries each (a GPS fix [lng, lat, altitude, recorded_at] per point, one location event per timeline entry).
 */
export const benchOrder = (accountId: string, orderHandle: string, points: number): BenchOrder => {
  const start = Date.parse('2026-01-05T08:00:00.000Z');
  const at = (i: number) => new Date(start + i * 5_000).toISOString();
  return {
    account_id: accountId,
    order_handle: orderHandle,
    fulfillment_attempt: 0,
    status: 'ongoing',
    destination: {
      geometry: { type: 'Point', coordinates: [-122.4194, 37.7749] },
      address: '1 Market St, San Francisco, CA 94105',
      radius: 50,
    },
    ops_group_handle: 'bench-ops',
    track_mode: 'on_time',
    plan_mode: 'manage',
    risk_status: false,
    scheduled_at: at(0),
    started_at: at(1),
    type: 'drop',
    type_index: 0,
    expected_service_time: 300,
    metadata: { customer: 'bench', priority: 2, tags: ['fragile', 'signature'] },
    share_url: `https://trck.example.com/${encodeURIComponent(orderHandle)}`,
    device_id: 'device-bench-1',
    worker_handle: 'worker-bench-1',
    created_at: at(0),
    assigned_at: at(1),
    route_handle: 'route-bench-1',
    polyline: {
      type: 'LineString',
      coordinates: Array.from({ length: points }, (_, i) => [
        Number((-122.5 + i * 0.000137).toFixed(6)),
        Number((37.7 + i * 0.000091).toFixed(6)),
        Number((12 + (i % 40) * 0.5).toFixed(1)),
        at(i),
      ]),
    },
    timeline: Array.from({ length: points }, (_, i) => ({
      type: 'location_update',
      recorded_at: at(i),
      lng: Number((-122.5 + i * 0.000137).toFixed(6)),
      lat: Number((37.7 + i * 0.000091).toFixed(6)),
    })),
  };
};
