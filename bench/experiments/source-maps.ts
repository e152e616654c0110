/**
 * `npm run bench:source-maps`: what NODE_OPTIONS=--enable-source-maps would cost a cold start of the deployed handler.
 * The subject build (serverless.yml's esbuild options: maps written, not linked) is copied with each file linked to
 * its map (`//# sourceMappingURL=`, as esbuild's `sourcemap: true` writes it), and that copy is started both ways,
 * so the only difference is the flag. Fresh processes as in the bench's
 * cold phase (bench/phases/cold.ts: node's own start-up, loading the entry and its chunks, the first request with a
 * credential-cache miss), alternating maps off and on. Prints the medians, the ratio and the difference with their
 * bootstrap standard errors over the paired rounds.
 *   npm run bench:source-maps -- --starts 40
 */
import { appendFileSync, cpSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, log } from '../context';
import { withDefaults } from '../options';
import { coldStart } from '../phases/cold';
import { bootstrap, median, type Round } from '../stats';

type Way = 'off' | 'on';
const MAPS_ON = { NODE_OPTIONS: '--enable-source-maps' };

/** A copy of the build in `outDir` with every code file linked to its map; returns the copy's entry file. */
const linkedCopy = (outDir: string, entry: string, into: string): string => {
  cpSync(outDir, into, { recursive: true });
  for (const file of readdirSync(into).filter((name) => name.endsWith('.mjs'))) {
    appendFileSync(join(into, file), `\n//# sourceMappingURL=${file}.map\n`);
  }
  return join(into, basename(entry));
};

const measure = async (starts: number): Promise<void> => {
  const ctx = await createContext(withDefaults({ workDir: '.local/bench-source-maps', print: false }));
  try {
    const outDir = dirname(ctx.bundleOf('subject').file);
    const bytes = (suffix: string) =>
      readdirSync(outDir)
        .filter((file) => file.endsWith(suffix))
        .reduce((sum, file) => sum + statSync(join(outDir, file)).size, 0);
    log(`subject build: ${bytes('.mjs')} bytes of code, ${bytes('.mjs.map')} bytes of source maps`);
    const linked = { BENCH_BUNDLE: linkedCopy(outDir, ctx.bundleOf('subject').file, join(ctx.workDir, 'linked')) };
    const rounds: Round<Way>[] = [];
    for (let i = 0; i < starts; i += 1) {
      const round = { off: [], on: [] } as Round<Way>;
      for (const way of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const env = way === 'on' ? { ...linked, ...MAPS_ON } : linked;
        const result = await coldStart(ctx, 'subject', `${way}-${i}`, false, env);
        round[way].push(result.since_process_start_ms);
      }
      rounds.push(round);
      ctx.fakes.dynamodb.clear(ctx.table);
      if ((i + 1) % 10 === 0) log(`source maps: ${i + 1} of ${starts} starts per way`);
    }
    const ratio = bootstrap(rounds, (pooled) => median(pooled('on')) / median(pooled('off')));
    const difference = bootstrap(rounds, (pooled) => median(pooled('on')) - median(pooled('off')));
    const pooled = (way: Way) => rounds.flatMap((round) => round[way]);
    console.log(`node ${process.version}, ${starts} cold starts per way (time since process start to first answer)`);
    console.log(`  maps off  median ${median(pooled('off')).toFixed(1)} ms`);
    console.log(`  maps on   median ${median(pooled('on')).toFixed(1)} ms`);
    console.log(`  on / off  ${ratio.value.toFixed(3)} ± ${ratio.se.toFixed(3)}`);
    console.log(`  on - off  ${difference.value.toFixed(1)} ± ${difference.se.toFixed(1)} ms`);
  } finally {
    await ctx.stop();
  }
};

const { values } = parseArgs({ options: { starts: { type: 'string', default: '40' } } });
void measure(Number(values.starts));
