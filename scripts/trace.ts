/**
 * `npm run trace -- [--maps DIR] [FILE]`: a stack trace from the function's logs, mapped back to the TypeScript
 * sources. The deployed code is minified and ships without source maps (they cost cold-start time); `serverless
 * package` keeps the maps of exactly the code it packed in <package>/source-maps/ (default .serverless/source-maps/,
 * infra/source-maps.cjs). Reads the trace from FILE or stdin; every frame in /var/task/<file>.mjs:<line>:<column>
 * becomes <source>:<line>:<column> (the original function name when the map has it); other lines pass unchanged.
 * A frame whose file has no map (another build's chunk) is left as it was and named on stderr: map a trace with the
 * maps of the package that was deployed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const FRAME = /(?:file:\/\/)?\/var\/task\/([^\s():]+\.m?js):(\d+):(\d+)/g;

/** Maps every /var/task frame of `trace` with the maps under `mapsDir`; returns the text and the files without maps. */
export const mapTrace = (trace: string, mapsDir: string): { text: string; unmapped: string[] } => {
  const maps = new Map<string, SourceMap | undefined>();
  const unmapped = new Set<string>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      const path = join(mapsDir, `${file}.map`);
      maps.set(file, existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as never) : undefined);
    }
    return maps.get(file);
  };
  const text = trace.replace(FRAME, (frame, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (entry === undefined || !('originalSource' in entry)) {
      unmapped.add(file);
      return frame;
    }
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '');
    const name = 'name' in entry && typeof entry.name === 'string' ? ` [${entry.name}]` : '';
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${name}`;
  });
  return { text, unmapped: [...unmapped] };
};

const main = async (): Promise<void> => {
  // First: exit quietly when the reader of stdout goes away (scripts/cli/quiet-pipe.ts); loaded here, not at the top,
  // so that importing mapTrace (the package test does) changes nothing in the importer's process.
  await import('./cli/quiet-pipe');
  const { values, positionals } = parseArgs({
    options: { maps: { type: 'string', default: '.serverless/source-maps' } },
    allowPositionals: true,
  });
  const mapsDir = resolve(values.maps);
  if (!existsSync(mapsDir)) {
    console.error(
      `no source maps in ${mapsDir}: run \`npx serverless package --stage <stage>\` at the deployed commit`,
    );
    process.exit(2);
  }
  const trace = readFileSync(positionals[0] ?? 0, 'utf8');
  const { text, unmapped } = mapTrace(trace, mapsDir);
  process.stdout.write(text);
  if (unmapped.length > 0) {
    console.error(`no map for ${unmapped.join(', ')} in ${mapsDir}: are these the maps of the deployed package?`);
    process.exitCode = 1;
  }
};

if (require.main === module) void main();
