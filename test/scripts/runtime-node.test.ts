import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Tests, `npm start` and `npm run bench` run on provider.runtime's Node major (scripts/runtime-node.sh): this very
 * test run says which Node it is on, and the launcher picks the project's own Node or refuses a wrong one.
 */
const root = resolve(__dirname, '..', '..');
const launcher = join(root, 'scripts', 'runtime-node.sh');
const runtimeMajor = /^\s*runtime:\s*nodejs(\d+)\.x/m.exec(readFileSync(join(root, 'serverless.yml'), 'utf8'))?.[1];
const otherNodeAllowed = process.env.ALLOW_OTHER_NODE === '1';

/** The PATH a shell outside npm has: the machine's node (whatever its version) first, no node_modules/.bin. */
const machinePath = (process.env.PATH ?? '')
  .split(':')
  .filter((entry) => !entry.includes('node_modules'))
  .join(':');

const run = (script: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync('sh', [script, 'node', '-p', 'process.version'], {
    encoding: 'utf8',
    env: { ...process.env, ALLOW_OTHER_NODE: '', PATH: machinePath, ...env },
  });

describe('the Node the tests run on', () => {
  test('serverless.yml names a nodejsNN.x runtime', () => {
    expect(runtimeMajor).toMatch(/^\d+$/);
  });

  (otherNodeAllowed ? test.skip : test)(`is provider.runtime's major (this run: ${process.version})`, () => {
    expect(process.versions.node.split('.')[0]).toBe(runtimeMajor);
  });

  test('the launcher runs commands on that major, from node_modules when the machine has another', () => {
    const result = run(launcher);
    expect(result.stderr).toMatch(
      new RegExp(`^runtime-node: Node v${runtimeMajor}\\.\\d+\\.\\d+ \\(.*\\), as provider`),
    );
    expect(result.stdout.trim()).toMatch(new RegExp(`^v${runtimeMajor}\\.`));
    expect(result.status).toBe(0);
  });

  test('without that Node it refuses in three lines, unless ALLOW_OTHER_NODE=1', () => {
    // A project copy whose runtime no Node here has: nodejs8.x, and no node_modules.
    const dir = mkdtempSync(join(tmpdir(), 'runtime-node-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      copyFileSync(launcher, join(dir, 'scripts', 'runtime-node.sh'));
      writeFileSync(join(dir, 'serverless.yml'), 'provider:\n  name: aws\n  runtime: nodejs8.x\n');
      const script = join(dir, 'scripts', 'runtime-node.sh');
      const machineNode = dirname(process.execPath);
      const refused = run(script, { PATH: `${machineNode}:${machinePath}` });
      expect(refused.status).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('runtime-node: Node 8 is needed (provider.runtime nodejs8.x)');
      expect(refused.stderr.trim().split('\n')).toHaveLength(3);

      const allowed = run(script, { PATH: `${machineNode}:${machinePath}`, ALLOW_OTHER_NODE: '1' });
      expect(allowed.status).toBe(0);
      expect(allowed.stderr).toContain(`WARNING: running on Node ${process.version}, not provider.runtime's Node 8`);
      expect(allowed.stdout.trim()).toBe(process.version);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
