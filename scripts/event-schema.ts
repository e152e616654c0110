// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ORDER_COMPLETED_VERSION } from '../domain/order-completed-event';
import { renderOrderCompletedJsonSchema } from '../contracts/order-completed';

/** `npm run event-schema`: regenerates the OrderCompleted JSON Schema from the zod schema (commit the result). */
const target = resolve(__dirname, '..', 'contracts', `order-completed.v${ORDER_COMPLETED_VERSION}.schema.json`);
writeFileSync(target, renderOrderCompletedJsonSchema());
console.log(`wrote ${target}`);
