/** Where the relay process's CPU goes: a V8 CPU profile's self time, by where the code lives (bench/relay.ts). */

const log = (message: string) => process.stderr.write(`[bench:relay] ${message}\n`);

export interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

/** Self time of a CPU profile by where the code lives. */
export const whereCpuGoes = (nodes: readonly ProfileNode[]): Record<string, number> => {
  const buckets: Record<string, number> = {};
  const total = nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  for (const node of nodes) {
    const { url, functionName } = node.callFrame;
    let bucket = 'other (V8 builtins: JSON, crypto, timers)';
    if (functionName === '(idle)') bucket = 'idle (waiting on the fakes)';
    else if (functionName === '(garbage collector)') bucket = 'garbage collection';
    else if (functionName === '(program)') bucket = 'V8 / native (program)';
    else if (/@smithy|@aws-sdk/.test(url)) bucket = 'AWS SDK (@aws-sdk, @smithy: serialize, sign, parse)';
    else if (url.startsWith('node:')) bucket = 'Node http/net/stream';
    else if (/\/(domain|adapters)\//.test(url)) bucket = 'relay code (domain, adapters)';
    else if (url.includes('node_modules')) bucket = 'other packages';
    buckets[bucket] = (buckets[bucket] ?? 0) + (node.hitCount ?? 0);
  }
  const byFunction = new Map<string, number>();
  for (const node of nodes) {
    const name = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(domain|adapters|bench)\//, '$1/')}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15);
  log(
    `top self time: ${top.map(([name, hits]) => `${(Math.round((1000 * hits) / total) / 10).toFixed(1)}% ${name}`).join('\n  ')}`,
  );
  return Object.fromEntries(
    Object.entries(buckets)
      .sort((a, b) => b[1] - a[1])
      .map(([name, hits]) => [name, Math.round((1000 * hits) / total) / 10]),
  );
};
