/**
 * `npm run lint:cfn` (part of `npm run lint`): AWS's CloudFormation linter on the templates the project deploys.
 *
 * Packages the stages that are deployed, dev and prod (prod with a placeholder alarm e-mail, as it refuses to package
 * without a notification target), one after the other (serverless stages its output in the one .serverless/ folder of
 * the checkout), into .local/cfn-lint/<stage>, and runs `cfn-lint` on the two templates with the repository's
 * .cfnlintrc.yaml (each ignored check there has its reason). Any error or warning fails. It packages afresh rather
 * than reuse the package test's output: lint runs first in CI, and a stale template would lint the wrong thing.
 *
 * cfn-lint is a Python tool (`pip install cfn-lint`), not an npm package. When it is not installed, this prints one
 * line saying so and how to install it, and passes; under CI (CI=true) it fails instead, so CI never passes without
 * the check. It looks before packaging, so that answer is immediate.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const STAGES: { stage: string; args: string[] }[] = [
  { stage: 'dev', args: [] },
  { stage: 'prod', args: ['--param=alarmEmail=cfn-lint@example.com'] },
];
export const INSTALL_HINT =
  'cfn-lint is not installed, so the CloudFormation templates were not linted: pip install cfn-lint';

/** cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational (1: it could not run). */
export const failsOn = (code: number | null): boolean => code === null || (code & (1 | 2 | 4)) !== 0;

const cfnLintVersion = (): string | undefined => {
  const found = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return found.error === undefined && found.status === 0 ? found.stdout.trim() : undefined;
};

const packageStage = (stage: string, args: string[]): Promise<string> => {
  const dir = join(root, '.local', 'cfn-lint', stage);
  rmSync(dir, { recursive: true, force: true });
  const serverless = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  const child = spawn(process.execPath, [serverless, 'package', '--stage', stage, '--package', dir, ...args], {
    cwd: root,
    env: { ...process.env, ESBUILD_WORK_FOLDER: `.local/cfn-lint/esbuild-${stage}`, SLS_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done(join(dir, 'cloudformation-template-update-stack.json'));
      else fail(new Error(`serverless package --stage ${stage} failed:\n${output}`));
    });
  });
};

const main = async (): Promise<number> => {
  // First: exit quietly when the reader of stdout goes away (scripts/cli/quiet-pipe.ts); loaded here, not at the top,
  // so that importing this module (its test does) changes nothing in the importer's process.
  await import('./cli/quiet-pipe');
  const version = cfnLintVersion();
  if (version === undefined) {
    console.log(INSTALL_HINT);
    return process.env.CI === 'true' ? 1 : 0;
  }
  const started = Date.now();
  const templates: string[] = [];
  for (const { stage, args } of STAGES) templates.push(await packageStage(stage, args));
  const packagedMs = Date.now() - started;
  const lint = spawnSync('cfn-lint', ['--', ...templates], { cwd: root, stdio: 'inherit' });
  const summary = `${version} on ${STAGES.map((s) => s.stage).join(', ')} (packaged in ${Math.round(packagedMs / 1000)} s)`;
  if (failsOn(lint.status)) {
    console.error(`cfn-lint: failed (exit ${lint.status}), ${summary}`);
    return 1;
  }
  console.log(`cfn-lint: no errors or warnings, ${summary}`);
  return 0;
};

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
