import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * openapi/client.d.ts (the typed client's types) is exactly what openapi-typescript makes of the committed
 * openapi/openapi.json, so a document change without `npm run openapi` fails here. The generator runs in a child
 * process (`scripts/openapi.ts --client-types`): openapi-typescript loads ESM-only packages.
 */
const root = resolve(__dirname, '..', '..', '..');
const documentFile = join(root, 'openapi', 'openapi.json');
const committedDocument = readFileSync(documentFile, 'utf8');
const committedTypes = readFileSync(join(root, 'openapi', 'client.d.ts'), 'utf8');

const generate = (file: string): string => {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'openapi.ts'), '--client-types', file],
    { cwd: root, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`generator failed (${result.status}): ${result.stderr}`);
  return result.stdout;
};

describe('openapi/client.d.ts', () => {
  test('is what `npm run openapi` generates from openapi/openapi.json (run it after changing the document)', () => {
    expect(committedTypes).toBe(generate(documentFile));
  });

  test('follows the document: a changed response body changes the generated types', () => {
    const changed = JSON.parse(committedDocument) as { components: { schemas: Record<string, unknown> } };
    changed.components.schemas.NotFoundError = { type: 'object', properties: { gone: { type: 'boolean' } } };
    const dir = mkdtempSync(join(tmpdir(), 'client-types-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(changed));
      const types = generate(join(dir, 'openapi.json'));
      expect(types).toContain('gone?: boolean;');
      expect(types).not.toBe(committedTypes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('types every documented status of POST /orders/{order_handle}/complete, with no `any`', () => {
    const document = JSON.parse(committedDocument) as {
      paths: Record<string, { post?: { responses: Record<string, unknown> } }>;
    };
    const statuses = Object.keys(document.paths['/orders/{order_handle}/complete']!.post!.responses);
    expect(statuses.length).toBeGreaterThan(5);
    const completeOrder = committedTypes.slice(
      committedTypes.indexOf('  completeOrder: {'),
      committedTypes.indexOf('  getOpenApiDocument: {'),
    );
    for (const status of statuses) expect(completeOrder).toContain(`      ${status}: {`);
    expect(committedTypes).not.toMatch(/\bany\b/);
  });
});
