import type { BenchOrder, TimelineEvent } from './service';

/** Lifecycle and activity events on a bench order's timeline, whatever its track's length (as on the API page). */
export const BENCH_TIMELINE_EVENTS = 20;

const START = Date.parse('2026-01-05T08:00:00.000Z');
/** The time of the i-th fix: one every 5 s from the start. */
const fixAt = (i: number) => new Date(START + i * 5_000).toISOString();
const fixOf = (i: number) => [
  Number((-122.5 + i * 0.000137).toFixed(6)),
  Number((37.7 + i * 0.000091).toFixed(6)),
  Number((12 + (i % 40) * 0.5).toFixed(1)),
  fixAt(i),
];

/**
 * The API page's timeline for an ongoing order, BENCH_TIMELINE_EVENTS events: created, planned, assigned, started,
 * then a driver activity (started and ended) every so often along the trip. Location fixes are track points, never
 * timeline events.
 */
const benchTimeline = (orderHandle: string, points: number): TimelineEvent[] => {
  const lifecycle = [
    { type: 'order_created', recorded_at: fixAt(0), order_handle: orderHandle, metadata: { customer: 'bench' } },
    {
      type: 'order_planned',
      recorded_at: fixAt(0),
      order_handle: orderHandle,
      route_handle: 'route-bench-1',
      fulfillment_attempt: 0,
    },
    {
      type: 'order_assigned',
      recorded_at: fixAt(1),
      order_handle: orderHandle,
      driver_handle: 'worker-bench-1',
      fulfillment_attempt: 0,
    },
    {
      type: 'order_started',
      recorded_at: fixAt(1),
      order_handle: orderHandle,
      route_handle: 'route-bench-1',
      order_type: 'drop',
      fulfillment_attempt: 0,
    },
  ];
  const pairs = (BENCH_TIMELINE_EVENTS - lifecycle.length) / 2;
  const activities = Array.from({ length: pairs }, (_, k) => {
    const fix = Math.floor(((k + 1) * Math.max(points - 1, 0)) / (pairs + 1));
    const [lng, lat] = fixOf(fix);
    const location = { geometry: { type: 'Point', coordinates: [lng, lat] }, recorded_at: fixAt(fix) };
    return [
      {
        type: 'driver_activity_started',
        recorded_at: fixAt(fix),
        driver_handle: 'worker-bench-1',
        activity: 'stop',
        location,
        address: '1653 De Rome Drive, San Jose, CA 95131',
      },
      {
        type: 'driver_activity_ended',
        recorded_at: fixAt(fix + 1),
        driver_handle: 'worker-bench-1',
        activity: 'stop',
        location,
        distance: null,
        duration: 5,
        steps: 0,
      },
    ];
  }).flat();
  return [...lifecycle, ...activities];
};

/**
 * Bench orders: an ongoing drop with the fields a real order carries, a polyline of `points` GPS fixes
 * ([lng, lat, altitude, recorded_at], one every 5 s) and a timeline of BENCH_TIMELINE_EVENTS lifecycle and activity
 * events, whatever the trip's length.
 */
export const benchOrder = (accountId: string, orderHandle: string, points: number): BenchOrder => {
  const at = fixAt;
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
    polyline: { type: 'LineString', coordinates: Array.from({ length: points }, (_, i) => fixOf(i)) },
    timeline: benchTimeline(orderHandle, points),
  };
};
