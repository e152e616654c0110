import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** README "Where things live": every file it names exists and declares every symbol named after it. */
const root = resolve(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const section = (): string => {
  const start = readme.indexOf('### Where things live');
  if (start < 0) return '';
  const end = readme.indexOf('\n#', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};

interface Entry {
  rule: string;
  places: { file: string; symbols: string[] }[];
}

/** `- **rule**: `file.ts` `symbol` `symbol`, `other.ts` `symbol` (prose)` -> rule, files and their symbols. */
const entries = (): Entry[] =>
  section()
    .split('\n')
    .filter((line) => line.startsWith('- **'))
    .map((line) => {
      const rule = /^- \*\*(.+?)\*\*/.exec(line)?.[1] ?? '';
      const places: Entry['places'] = [];
      for (const [, token] of line.matchAll(/`([^`]+)`/g)) {
        if (token === undefined) continue;
        if (token.endsWith('.ts')) places.push({ file: token, symbols: [] });
        else places.at(-1)?.symbols.push(token);
      }
      return { rule, places };
    });

const declares = (source: string, symbol: string): boolean =>
  new RegExp(
    `(^|\\n)\\s*(export\\s+)?(abstract\\s+)?(const|let|class|interface|type|function|async\\s+function)\\s+${symbol}\\b`,
  ).test(source);

describe('README "Where things live"', () => {
  test('names every contract rule', () => {
    expect(entries().map((entry) => entry.rule)).toEqual(
      expect.arrayContaining([
        'auth',
        'selection',
        'idempotency',
        '409 refusals',
        '422 shapes',
        '413/415',
        'outbox/relay',
        'event contract',
      ]),
    );
  });

  test.each(entries().map((entry) => [entry.rule, entry] as const))(
    '%s: each named symbol is in its file',
    (_rule, entry) => {
      expect(entry.places.length).toBeGreaterThan(0);
      for (const { file, symbols } of entry.places) {
        expect(existsSync(join(root, file))).toBe(true);
        expect(symbols.length).toBeGreaterThan(0);
        const source = readFileSync(join(root, file), 'utf8');
        for (const symbol of symbols)
          expect({ file, symbol, declared: declares(source, symbol) }).toEqual({ file, symbol, declared: true });
      }
    },
  );

  test('the checker rejects a symbol a file does not declare', () => {
    const source = readFileSync(join(root, 'domain', 'outbox.ts'), 'utf8');
    expect(declares(source, 'takeLease')).toBe(true);
    expect(declares(source, 'takeLeaseX')).toBe(false);
    expect(declares(source, 'relayPendingEvents')).toBe(false);
  });
});
