import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

/**
 * `npm run audit` (scripts/audit.ts) with the real npm client against a local stand-in for the
 * registry's audit endpoint: a high advisory fails the run and is named, a low one passes, and an
 * endpoint that cannot answer (405, as this sandbox's registry does) warns and passes unless
 * AUDIT_REQUIRED=1.
 */
const root = resolve(__dirname, '..', '..');

type Answer = { status: number; advisories?: Record<string, unknown[]> };
let answer: Answer = { status: 405 };
let server: Server;
let registry = '';

// npm caches advisories by id (@npmcli/metavuln-calculator): every one made here gets a new id.
let nextId = Date.now();
const advisory = (severity: string) => ({
  id: (nextId += 1),
  url: `https://advisories.example.test/${nextId}`,
  title: `A ${severity} advisory`,
  severity,
  vulnerable_versions: '<1000.0.0',
  cwe: [],
  cvss: { score: 0, vectorString: null },
});

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'POST' && request.url?.includes('/-/npm/v1/security/advisories/bulk')) {
        response.statusCode = answer.status;
        response.setHeader('content-type', 'application/json');
        response.end(answer.status === 200 ? JSON.stringify(answer.advisories ?? {}) : '');
        return;
      }
      response.statusCode = 404; // packuments: npm audit only uses them to suggest fixes
      response.end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const runAudit = (env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> =>
  new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), resolve(root, 'scripts', 'audit.ts')],
      {
        cwd: root,
        env: { ...process.env, npm_config_registry: registry, npm_config_fetch_retries: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, output }));
  });

describe('npm run audit', () => {
  test('high and critical advisories on production dependencies fail the run and are named', async () => {
    answer = { status: 200, advisories: { zod: [advisory('high')], '@middy/core': [advisory('critical')] } };
    const { code, output } = await runAudit();
    expect(code).toBe(1);
    expect(output).toMatch(/high\s+zod.*A high advisory/);
    expect(output).toMatch(/critical\s+@middy\/core.*A critical advisory/);
  });

  test('only a low advisory: passes, with the counts', async () => {
    answer = { status: 200, advisories: { zod: [advisory('low')] } };
    const { code, output } = await runAudit();
    expect(output).toContain('no high or critical finding');
    expect(output).toContain('"low":');
    expect(code).toBe(0);
  });

  test('an advisory on a dev-only package is not counted (--omit=dev)', async () => {
    answer = { status: 200, advisories: { jest: [advisory('critical')], prettier: [advisory('high')] } };
    const { code, output } = await runAudit();
    expect(output).toContain('no high or critical finding');
    expect(code).toBe(0);
  });

  test('an audit endpoint that cannot answer: a clear warning, not a failure', async () => {
    answer = { status: 405 };
    const { code, output } = await runAudit();
    expect(output).toContain('WARNING: npm audit could not check the dependencies');
    expect(output).toContain('405');
    expect(code).toBe(0);
  });

  test('AUDIT_REQUIRED=1: an unreachable endpoint fails', async () => {
    answer = { status: 405 };
    const { code, output } = await runAudit({ AUDIT_REQUIRED: '1' });
    expect(output).toContain('could not check the dependencies');
    expect(code).toBe(1);
  });
});
