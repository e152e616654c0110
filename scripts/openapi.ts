import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderOpenApiDocument } from '../openapi/build';

/** `npm run openapi`: regenerates openapi/openapi.json from the zod schemas (commit the result). */
const target = resolve(__dirname, '..', 'openapi', 'openapi.json');
writeFileSync(target, renderOpenApiDocument());
console.log(`wrote ${target}`);
