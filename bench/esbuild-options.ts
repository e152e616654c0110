import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { load, Type, DEFAULT_SCHEMA } from 'js-yaml';

/**
 * The esbuild options `serverless package` uses (serverless.yml custom.esbuild, as serverless-esbuild passes them
 * on): the bench builds its subject and its baseline with exactly these, so it measures the artifact that ships.
 */

// serverless-esbuild's own settings, which it removes before calling esbuild (its dist/bundle.js).
const PLUGIN_OPTIONS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  // A file of esbuild plugins (infra/esbuild-plugins.cjs: it moves the source maps out of the zip's folder); the
  // bench's builds keep their maps beside the code, which the cold start never reads unless asked to.
  'plugins',
]);

// CloudFormation short forms (!GetAtt, !Ref, ...) appear elsewhere in the file; read them as plain values.
const cfnTags = ['Ref', 'GetAtt', 'Sub', 'Join', 'If', 'Equals', 'Not', 'Select', 'Split', 'ImportValue'].flatMap(
  (tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new Type(`!${tag}`, { kind, construct: (data: unknown) => data }),
    ),
);
const schema = DEFAULT_SCHEMA.extend(cfnTags);

/** serverless.yml as plain data (variables unresolved; bench/profile.ts resolves the ones it reads). */
export const loadServerlessYml = (root: string): Record<string, unknown> =>
  load(readFileSync(join(root, 'serverless.yml'), 'utf8'), { schema }) as Record<string, unknown>;

export const serverlessEsbuildOptions = (root: string): BuildOptions => {
  const doc = loadServerlessYml(root) as { custom?: { esbuild?: Record<string, unknown> } };
  const custom = doc.custom?.esbuild;
  if (custom === undefined) throw new Error('serverless.yml has no custom.esbuild');
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(custom)) if (!PLUGIN_OPTIONS.has(name)) options[name] = value;
  const exclude = Array.isArray(custom.exclude) ? (custom.exclude as string[]) : [];
  const external = Array.isArray(custom.external) ? (custom.external as string[]) : [];
  // serverless-esbuild turns its outputFileExtension into esbuild's outExtension (its dist/bundle.js).
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  return {
    ...(options as BuildOptions),
    ...(extension === '.js' ? {} : { outExtension: { '.js': extension } }),
    external: [...external, ...(exclude.includes('*') ? [] : exclude)],
  };
};
