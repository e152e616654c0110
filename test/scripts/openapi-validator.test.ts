import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** openapi/openapi.json checked by a real OpenAPI 3.1 validator (its CLI, so a child process: not in the unit project). */
const committedPath = join(resolve(__dirname, '..', '..'), 'openapi', 'openapi.json');
const committed = readFileSync(committedPath, 'utf8');

const validatorCli = join(
  dirname(require.resolve('@seriousme/openapi-schema-validator/package.json')),
  'bin',
  'validate-api-cli.js',
);
const validate = (file: string) => spawnSync(process.execPath, [validatorCli, file], { encoding: 'utf8' });

describe('openapi/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator), and the validator does reject a broken one', () => {
    const result = validate(committedPath);
    expect(result.stderr + result.stdout).toContain('"valid": true');
    expect(result.status).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const broken = JSON.parse(committed) as Record<string, unknown>;
      delete broken.info;
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
      const rejected = validate(join(dir, 'broken.json'));
      expect(rejected.stdout + rejected.stderr).toContain('"valid": false');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
