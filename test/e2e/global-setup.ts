import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalStack } from './support/local-stack';

/**
 * End-to-end tests run the real `npm start` stack (scripts/local/start.ts) on free ports with its own
 * state folder (.local/e2e), so they never collide with a developer's running stack, and talk HTTP to it.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const localDir = resolve(__dirname, '..', '..', '.local', 'e2e');
  // Webhooks (issue 21): the real backoff schedule shrunk 5 000-fold and a 1 s attempt timeout, so a receiver that
  // never answers reaches the dead-letter file within a test's time (the schedule itself is unit-tested).
  const stack = await startLocalStack(localDir, { WEBHOOK_RETRY_SCALE: '0.0002', WEBHOOK_TIMEOUT_MS: '1000' });
  console.log(`\ne2e: local stack on Node ${process.version}, ready in ${stack.startupMs} ms`);

  process.env.E2E_BASE_URL = stack.baseUrl;
  process.env.E2E_EVENTS_FILE = resolve(localDir, 'events.jsonl');
  process.env.E2E_DYNAMODB_ENDPOINT = `http://127.0.0.1:${stack.ports.DYNAMODB_PORT}`;
  process.env.E2E_EVENTBRIDGE_ENDPOINT = `http://127.0.0.1:${stack.ports.EVENTBRIDGE_PORT}`;
  process.env.E2E_TABLE_NAME = 'orders-complete-local-orders';
  process.env.E2E_STACK_LOG = stack.logFile;
  process.env.E2E_LOCAL_DIR = localDir;
  process.env.E2E_DYNAMODB_PORT = String(stack.ports.DYNAMODB_PORT);
  process.env.E2E_WEBHOOK_RECEIVER_PORT = String(stack.ports.WEBHOOK_RECEIVER_PORT);
  process.env.E2E_STARTUP_MS = String(stack.startupMs);
  (globalThis as { __localStack__?: ChildProcess }).__localStack__ = stack.child;
  (globalThis as { __dynamodbPid__?: number }).__dynamodbPid__ = Number(
    readFileSync(resolve(localDir, 'dynamodb.pid'), 'utf8'),
  );
}
