import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The shape of the source tree, checked: no import cycle between source files (type-only imports count: a cycle of
 * types is still two files that cannot be read apart), and the outbox's lease is driven from one domain file only.
 */
const root = resolve(__dirname, '..', '..', '..');
const SOURCE_DIRS = ['adapters', 'bench', 'config', 'contracts', 'domain', 'handlers', 'openapi', 'scripts'];

const tsFilesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });

const sourceFiles = SOURCE_DIRS.flatMap((dir) => tsFilesUnder(join(root, dir)));

/** The source files a file imports (relative specifiers only; packages are not part of the graph). */
const importsOf = (file: string): string[] => {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const base = resolve(dirname(file), specifier);
      const candidates = [`${base}.ts`, join(base, 'index.ts')];
      return candidates.filter((candidate) => existsSync(candidate)).slice(0, 1);
    });
};

/** The strongly connected components with more than one file (or a file importing itself): the cycles. */
const cyclesIn = (graph: Map<string, string[]>): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
};

describe('source imports', () => {
  const graph = new Map(sourceFiles.map((file) => [file, importsOf(file)]));

  test('the graph is read (a broken reader would find no cycle in nothing)', () => {
    expect(sourceFiles.length).toBeGreaterThan(40);
    expect(graph.get(join(root, 'handlers', 'complete-order.ts'))).toContain(join(root, 'domain', 'complete-order.ts'));
  });

  test('the cycle finder finds a cycle when there is one', () => {
    const looped = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cyclesIn(looped)).toEqual([['a', 'b', 'c']]);
  });

  test('no import cycle between source files', () => {
    const cycles = cyclesIn(graph).map((cycle) => cycle.map((file) => relative(root, file)));
    expect(cycles).toEqual([]);
  });
});

describe('the outbox', () => {
  test('the lease operations are called from exactly one domain file (domain/outbox.ts)', () => {
    const callers = tsFilesUnder(join(root, 'domain')).filter((file) =>
      /\.(claimPendingEvent|releasePendingEvent|clearPendingEvent)\(/.test(readFileSync(file, 'utf8')),
    );
    expect(callers.map((file) => relative(root, file))).toEqual([join('domain', 'outbox.ts')]);
  });
});
