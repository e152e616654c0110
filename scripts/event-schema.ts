// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ORDER_COMPLETED_VERSION } from '../domain/order-completed-event';
import { renderOrderCompletedJsonSchema } from '../contracts/order-completed';
import { renderWebhookJsonSchema, WEBHOOK_SCHEMA_FILE } from '../contracts/webhook';

/**
 * `npm run event-schema`: regenerates the OrderCompleted JSON Schema and the webhook body's JSON Schema from their
 * zod schemas (commit the results).
 */
const contracts = resolve(__dirname, '..', 'contracts');
const target = resolve(contracts, `order-completed.v${ORDER_COMPLETED_VERSION}.schema.json`);
writeFileSync(target, renderOrderCompletedJsonSchema());
console.log(`wrote ${target}`);
const webhook = resolve(contracts, WEBHOOK_SCHEMA_FILE);
writeFileSync(webhook, renderWebhookJsonSchema());
console.log(`wrote ${webhook}`);
