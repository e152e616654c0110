// First: exit quietly (status 0) when the reader of stdout goes away, e.g. `| head` (scripts/cli/quiet-pipe.ts).
import './cli/quiet-pipe';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderOpenApiDocument } from '../openapi/build';
import { CLIENT_TYPES_FILE, renderClientTypes } from '../openapi/client-types';

/**
 * `npm run openapi`: regenerates openapi/openapi.json from the zod schemas, and openapi/client.d.ts (the typed
 * client's types) from that document. Commit both.
 * `tsx scripts/openapi.ts --client-types FILE` prints the types generated from the document in FILE instead
 * (the drift test uses it: openapi-typescript loads ESM-only packages that jest's CommonJS runtime cannot).
 */
const main = async (args: string[]): Promise<void> => {
  if (args[0] === '--client-types' && args[1] !== undefined) {
    process.stdout.write(await renderClientTypes(readFileSync(args[1], 'utf8')));
    return;
  }
  const target = resolve(__dirname, '..', 'openapi', 'openapi.json');
  const document = renderOpenApiDocument();
  writeFileSync(target, document);
  console.log(`wrote ${target}`);
  writeFileSync(CLIENT_TYPES_FILE, await renderClientTypes(document));
  console.log(`wrote ${CLIENT_TYPES_FILE}`);
};

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
