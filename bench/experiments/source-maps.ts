/**
 * `npm run bench:source-maps`: what NODE_OPTIONS=--enable-source-maps costs a cold start of the deployed handler
 * (the subject build, with the source maps `serverless package` ships beside it). Fresh processes as in the bench's
 * cold phase (bench/phases/cold.ts: node's own start-up, loading the entry and its chunks, the first request with a
 * credential-cache miss), alternating maps off and on. Prints the medians, the ratio and the difference with their
 * bootstrap standard errors over the paired rounds.
 *   npm run bench:source-maps -- --starts 40
 */
import { statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, log } from '../context';
import { withDefaults } from '../options';
import { coldStart } from '../phases/cold';
import { bootstrap, median, type Round } from '../stats';

type Way = 'off' | 'on';
const MAPS_ON = { NODE_OPTIONS: '--enable-source-maps' };

const measure = async (starts: number): Promise<void> => {
  const ctx = await createContext(withDefaults({ workDir: '.local/bench-source-maps', print: false }));
  try {
    const outDir = dirname(ctx.bundleOf('subject').file);
    const bytes = (suffix: string) =>
      readdirSync(outDir)
        .filter((file) => file.endsWith(suffix))
        .reduce((sum, file) => sum + statSync(join(outDir, file)).size, 0);
    log(`subject build: ${bytes('.mjs')} bytes of code, ${bytes('.mjs.map')} bytes of source maps`);
    const rounds: Round<Way>[] = [];
    for (let i = 0; i < starts; i += 1) {
      const round = { off: [], on: [] } as Round<Way>;
      for (const way of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const result = await coldStart(ctx, 'subject', `${way}-${i}`, false, way === 'on' ? MAPS_ON : {});
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
