import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `npm run lint:openapi` (Spectral: spectral:oas + OWASP, .spectral.yaml) passes on the committed document and fails
 * on one that breaks common rules: the rules switched off on parts of the document stay on everywhere else.
 * The broken copy sits under .local/ with the ruleset beside it, laid out as in the repository.
 */
const root = resolve(__dirname, '..', '..', '..');
const spectralCli = join(root, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js');

interface Finding {
  code: string;
  path: string[];
}

const lint = (cwd: string): { status: number | null; findings: Finding[] } => {
  const result = spawnSync(
    process.execPath,
    [spectralCli, 'lint', 'openapi/openapi.json', '--fail-severity', 'warn', '--format', 'json', '--quiet'],
    { cwd, encoding: 'utf8' },
  );
  const start = result.stdout.indexOf('[');
  return { status: result.status, findings: start < 0 ? [] : (JSON.parse(result.stdout.slice(start)) as Finding[]) };
};

describe('Spectral on openapi/openapi.json', () => {
  test('the committed document passes with no warning', () => {
    expect(lint(root)).toEqual({ status: 0, findings: [] });
  }, 60_000);

  test('a document that breaks common rules fails, wherever the break is', () => {
    const document = JSON.parse(readFileSync(join(root, 'openapi', 'openapi.json'), 'utf8')) as {
      info: Record<string, unknown>;
      paths: Record<
        string,
        Record<
          string,
          { tags?: string[]; responses: Record<string, unknown>; parameters?: { schema: Record<string, unknown> }[] }
        >
      >;
    };
    const complete = document.paths['/orders/{order_handle}/complete']!.post!;
    delete document.info.contact;
    delete complete.tags;
    delete complete.responses['500'];
    delete complete.parameters![0]!.schema.maxLength;
    const dir = join(root, '.local', 'spectral-test');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'openapi'), { recursive: true });
    try {
      copyFileSync(join(root, '.spectral.yaml'), join(dir, '.spectral.yaml'));
      writeFileSync(join(dir, 'openapi', 'openapi.json'), JSON.stringify(document, null, 2));
      const { status, findings } = lint(dir);
      expect(status).not.toBe(0);
      expect(new Set(findings.map((finding) => finding.code))).toEqual(
        new Set([
          'info-contact',
          'operation-tags',
          'owasp:api8:2023-define-error-responses-500',
          'owasp:api4:2023-string-limit',
          // the schema only the removed 500 used
          'oas3-unused-component',
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
