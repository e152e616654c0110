import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../adapters/aws-clients';
import { getRaw, plantStuckEvent, type EventLine } from './support/e2e';
import { descendantsOf, startLocalStack, stillRunning, stopLocalStack, type LocalStack } from './support/local-stack';

/**
 * The relay as serverless offline schedules it (relayPendingEvents, rate(1 minute), as in AWS), with nobody running
 * `npm run relay`: an event left pending by a request that died after its write is delivered by a scheduled pass.
 * The shared e2e stack runs without the schedule (its tests own the relay: RELAY_SCHEDULE=off), so this test starts
 * a stack of its own with the schedule on, as a developer's `npm start` has it.
 */
const root = resolve(__dirname, '..', '..');
const localDir = join(root, '.local', 'e2e-schedule');

let stack: LocalStack;
let client: DynamoDBDocumentClient;
let tree: number[] = [];

beforeAll(async () => {
  stack = await startLocalStack(localDir, { RELAY_SCHEDULE: 'on' });
  tree = descendantsOf(stack.child.pid as number);
  client = createDocumentClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${stack.ports.DYNAMODB_PORT}`,
  });
}, 180_000);

afterAll(async () => {
  client?.destroy();
  if (stack === undefined) return;
  expect(await stopLocalStack(stack.child)).toBe(true);
  expect(stillRunning(tree)).toEqual([]);
}, 30_000);

const eventsOfThisStack = (): EventLine[] => {
  const file = join(localDir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as EventLine];
      } catch {
        return []; // a line still being written
      }
    });
};

describe('the scheduled relay of npm start', () => {
  test('delivers a stuck event once, by itself, within a schedule period or two', async () => {
    expect(readFileSync(stack.logFile, 'utf8')).toContain('Scheduling [relayPendingEvents] cron: [*/1 * * * *]');

    const { handle, id, eventId, completedAt } = await plantStuckEvent(client, 'scheduled-relay');

    // The schedule fires at the start of every minute; a loaded machine may need the next one too.
    const planted = Date.now();
    const mine = () => eventsOfThisStack().filter((event) => event.detail.event_id === eventId);
    while (mine().length === 0 && Date.now() - planted < 150_000) await sleep(500);
    const waitedMs = Date.now() - planted;
    process.stdout.write(`scheduled relay: the stuck event was delivered ${waitedMs} ms after it was planted\n`);
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.detail).toMatchObject({ order_handle: handle, completed_at: completedAt });
    // Cleared by the pass that delivered it; nothing is delivered twice.
    for (let i = 0; i < 20 && Object.hasOwn((await getRaw(client, id)) ?? {}, 'pending_event'); i++) await sleep(250);
    expect(Object.hasOwn((await getRaw(client, id))!, 'pending_event')).toBe(false);
    await sleep(1_500);
    expect(mine()).toHaveLength(1);
  }, 200_000);
});
