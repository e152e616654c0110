import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { METRICS } from '../../../adapters/metrics-catalogue';

/**
 * Every metric goes through the catalogue (adapters/metrics-catalogue.ts `recordMetric`), the list the dashboard is
 * generated from: a metric added anywhere else would be emitted and never shown.
 */
const root = resolve(__dirname, '..', '..', '..');
const tsFilesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });

test('no source file but the catalogue calls addMetric', () => {
  const callers = ['adapters', 'config', 'domain', 'handlers', 'scripts', 'infra']
    .flatMap((dir) => tsFilesUnder(join(root, dir)))
    .filter((file) => /\.addMetric\s*\(/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
  expect(callers).toEqual([join('adapters', 'metrics-catalogue.ts')]);
});

test('metric names are valid CloudWatch names and each is on a dashboard panel', () => {
  for (const [name, spec] of Object.entries(METRICS)) {
    expect(name).toMatch(/^[A-Za-z][A-Za-z0-9]{0,254}$/);
    expect(spec.description.length).toBeGreaterThan(10);
    expect(['outcomes', 'publishing', 'breaker', 'pending', 'dependencies', 'webhooks']).toContain(spec.panel);
  }
});
