import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { failsOn, INSTALL_HINT } from '../../scripts/cfn-lint';

/**
 * `npm run lint:cfn` without cfn-lint on the PATH: one line saying how to install it, and a pass, except under CI.
 * (With cfn-lint installed it packages dev and prod and lints them: that is `npm run lint` itself, run by CI.)
 */
const root = resolve(__dirname, '..', '..');

/** The script with a PATH holding only node (no cfn-lint, whatever the machine has). */
const runWithoutCfnLint = (env: NodeJS.ProcessEnv) => {
  const bin = mkdtempSync(join(tmpdir(), 'no-cfn-lint-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    return spawnSync(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/cfn-lint.ts')],
      {
        cwd: root,
        encoding: 'utf8',
        env: { HOME: process.env.HOME, PATH: bin, ...env },
      },
    );
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
};

describe('npm run lint:cfn', () => {
  test('without cfn-lint: one line with the install command, exit 0, before packaging anything', () => {
    const result = runWithoutCfnLint({});
    expect(result.stdout).toBe(`${INSTALL_HINT}\n`);
    expect(INSTALL_HINT).toContain('pip install cfn-lint');
    expect(result.status).toBe(0);
  });

  test('without cfn-lint under CI: the same line, and a failure', () => {
    const result = runWithoutCfnLint({ CI: 'true' });
    expect(result.stdout).toBe(`${INSTALL_HINT}\n`);
    expect(result.status).toBe(1);
  });

  test('cfn-lint’s exit code: errors, warnings and a failure to run fail; informational findings do not', () => {
    expect([0, 8].map(failsOn)).toEqual([false, false]);
    expect([1, 2, 4, 6, 10, 12, null].map(failsOn)).toEqual([true, true, true, true, true, true, true]);
  });
});
