import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pendingShard } from '../../adapters/dynamodb/keys';
import { orderCompletedEventId } from '../../domain/order-completed-event';
import {
  byEventId,
  client,
  dynamodbEndpoint,
  eventsAfterQuietWindow,
  getRaw,
  makeOrder,
  plantStuckEvent,
  putRaw,
  readEvents,
  recordOf,
  stackLog,
  uniqueHandle,
  waitForEvents,
} from './support/e2e';

/**
 * `npm run relay` against the running local stack: an event left pending (its request died after the write)
 * is listed with its age by `--status`, delivered once by a pass, and not again by the next.
 */
const root = resolve(__dirname, '..', '..');
const eventbridgeEndpoint = (): string => {
  const value = process.env.E2E_EVENTBRIDGE_ENDPOINT;
  if (value === undefined) throw new Error('E2E_EVENTBRIDGE_ENDPOINT is not set: run through the e2e jest project');
  return value;
};

const relay = (...args: string[]) => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamodbEndpoint(),
    EVENTBRIDGE_ENDPOINT: eventbridgeEndpoint(),
  };
  const result = spawnSync(
    process.execPath,
    [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'relay.ts'), ...args],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('npm run relay (one pass against the local stack)', () => {
  test('the e2e stack runs no scheduled relay: these tests own the relay and never race a scheduled pass', () => {
    // RELAY_SCHEDULE=off (test/e2e/support/local-stack.ts); test/e2e/scheduled-relay.test.ts covers the schedule.
    expect(readFileSync(stackLog(), 'utf8')).toContain('Scheduling [relayPendingEvents] cron: disabled');
  });

  test('--status lists a stuck event and its age; a pass delivers it once; the next pass delivers nothing', async () => {
    const { handle, id, eventId } = await plantStuckEvent(client, 'relay-cli');

    const status = relay('--status');
    expect(status.code).toBe(0);
    const line = status.stdout.split('\n').find((text) => text.includes(eventId));
    expect(line).toContain(JSON.stringify(handle));
    expect(line).toMatch(/pending (9\d|1\d\d) s/);
    expect(line).toContain('free');
    expect(readEvents().filter(byEventId(eventId))).toEqual([]);

    const pass = relay();
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/relay pass: published [1-9]\d*, failed 0/);
    expect(await waitForEvents(byEventId(eventId), 1, 10_000)).toHaveLength(1);
    expect(Object.hasOwn((await getRaw(client, id))!, 'pending_event')).toBe(false);

    const again = relay('--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ failed: 0 });
    expect(await eventsAfterQuietWindow(byEventId(eventId), 1_500)).toHaveLength(1);
    expect(relay('--status').stdout).not.toContain(eventId);
  }, 90_000);

  test('EventBridge unreachable: exit code 2, the event stays pending and is listed', async () => {
    const handle = uniqueHandle('relay-cli-down');
    const completedAt = new Date().toISOString();
    const id = recordOf(handle);
    const eventId = orderCompletedEventId(id, completedAt);
    await putRaw(client, id, {
      ...makeOrder({ order_handle: handle, status: 'completed', completed_at: completedAt }),
      pending_event: { event_id: eventId, since: completedAt, lease_until: 0 },
      pending_shard: pendingShard(eventId),
      pending_since: completedAt,
    });
    const env = { DYNAMODB_ENDPOINT: dynamodbEndpoint(), EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9' };
    const result = spawnSync(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'relay.ts')],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/failed [1-9]/);
    expect((await getRaw(client, id))?.pending_event).toMatchObject({ event_id: eventId, lease_until: 0 });
    // Recovered: the next pass (the real local EventBridge) delivers it.
    expect(relay().code).toBe(0);
    expect(await waitForEvents(byEventId(eventId), 1, 10_000)).toHaveLength(1);
  }, 90_000);
});
