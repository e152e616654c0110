/**
 * `npm run relay`: one relay pass against the local stack (the same code the scheduled Lambda runs,
 * domain/relay-pending-events.ts with the real adapters): publishes every pending OrderCompleted whose
 * lease ran out, then prints what it did and what is still pending.
 *   npm run relay -- --status   lists the pending events and their age, publishes nothing
 *   npm run relay -- --json     prints the pass's report as one JSON object
 * DYNAMODB_ENDPOINT / EVENTBRIDGE_ENDPOINT (or the port variables of npm start) choose the endpoints.
 * Exit code: 0 done, 2 some events could not be published (they stay pending), 1 could not run.
 */
// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config/env';
import { createPendingEventStore, createRelayDeps } from '../adapters/composition-root';
import { relayPendingEvents } from '../domain/relay-pending-events';
import type { PendingOrderEvent } from '../domain/ports';
import { localSettings } from './local/settings';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const age = (since: string, now: number): string => `${Math.max(0, Math.round((now - Date.parse(since)) / 1000))} s`;

const describeEvent = (event: PendingOrderEvent, now: number): string => {
  const { key, pending_event: pending } = event;
  const lease = pending.lease_until > now ? `leased for ${Math.ceil((pending.lease_until - now) / 1000)} s` : 'free';
  return (
    `  ${pending.event_id}  ${key.account_id} ${JSON.stringify(key.order_handle)} ` +
    `${key.type}/${key.type_index}/${key.fulfillment_attempt}  pending ${age(pending.since, now)} ` +
    `(since ${pending.since}, ${lease})`
  );
};

const main = async (): Promise<number> => {
  const { values: args } = parseArgs({
    options: { status: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: false,
  });
  const settings = localSettings();
  const config = loadConfig({
    ...process.env,
    AWS_REGION: settings.region,
    ORDERS_TABLE_NAME: settings.tableName,
    EVENT_BUS_NAME: settings.busName,
    EVENT_SOURCE: settings.eventSource,
    ACCOUNTS_TABLE_NAME: settings.accountsTableName,
    DYNAMODB_ENDPOINT: settings.dynamodbEndpoint,
    EVENTBRIDGE_ENDPOINT: settings.eventbridgeEndpoint,
  });
  // POWERTOOLS_LOG_LEVEL (e.g. INFO) shows the relay's own log lines; by default only its warnings.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const logger = new Logger({ serviceName: 'orders-complete-relay' });
  try {
    if (args.status === true) {
      const store = createPendingEventStore(config);
      const now = Date.now();
      const events: PendingOrderEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listPendingEvents(100, cursor);
        events.push(...page.events);
        cursor = page.cursor;
      } while (cursor !== undefined);
      events.sort((a, b) => a.pending_event.since.localeCompare(b.pending_event.since));
      if (args.json === true) console.log(JSON.stringify({ pending: events.map((event) => event.pending_event) }));
      else {
        console.log(`${events.length} pending OrderCompleted event(s) in ${settings.tableName}`);
        for (const event of events) console.log(describeEvent(event, now));
      }
      return 0;
    }
    const report = await relayPendingEvents(createRelayDeps(config, logger));
    if (args.json === true) console.log(JSON.stringify(report));
    else {
      console.log(
        `relay pass: published ${report.published}, failed ${report.failed}, left to a live lease ${report.leased}; ` +
          `pending now ${report.pending_after}` +
          (report.oldest_pending_since === null
            ? ''
            : `, oldest since ${report.oldest_pending_since} (${report.oldest_pending_age_seconds} s)`),
      );
    }
    return report.failed > 0 ? 2 : 0;
  } catch (error) {
    console.error(
      `relay failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} ` +
        `(DynamoDB ${settings.dynamodbEndpoint}, table ${settings.tableName}: is \`npm start\` running?)`,
    );
    return 1;
  }
};

void main().then((code) => process.exit(code));
