import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The README's TypeScript block is examples/complete-order.ts between its region markers, character for character
 * (test/e2e/example-client.test.ts runs that file against the local stack).
 */
const root = resolve(__dirname, '..', '..', '..');
const example = readFileSync(join(root, 'examples', 'complete-order.ts'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const region = (source: string): string => {
  const match = /\/\/ #region readme\n([\s\S]*?)\/\/ #endregion readme\n/.exec(source);
  if (match?.[1] === undefined) throw new Error('examples/complete-order.ts has no "// #region readme" block');
  return match[1];
};

const typescriptBlocks = (markdown: string): string[] =>
  [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');

describe('README "TypeScript client"', () => {
  test('shows examples/complete-order.ts (its readme region) verbatim', () => {
    const blocks = typescriptBlocks(readme);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toBe(region(example));
  });

  test('the comparison notices a changed line', () => {
    const changed = example.replace('case 409:', 'case 404:');
    expect(changed).not.toBe(example);
    expect(typescriptBlocks(readme)[0]).not.toBe(region(changed));
  });
});
