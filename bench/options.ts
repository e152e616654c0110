import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Sequential completions per side at least (after warm-up), interleaved in blocks of `block`. */
  n: number;
  /** Sequential completions per side at most: the run goes on past `n` until every ratio's SE is below `se`. */
  maxN: number;
  /** Completions per side per interleaved round. */
  block: number;
  /** The standard error every warm and cold ratio should get below. */
  se: number;
  /** Concurrent completions per side, and how many are in flight at once. */
  concurrentRequests: number;
  c: number;
  /** Warm-up completions per side, not measured. */
  warmup: number;
  /** Cold starts per side, at least and at most (past the minimum, until the cold ratio's SE is below `se`). */
  cold: number;
  maxCold: number;
  /** Track lengths (polyline points) for the cost-by-size figures (DynamoDB Local). */
  sizes: number[];
  /** Plain-POST completions per side and size for the by-size latency and CPU. */
  sizeSamples: number;
  /** Requests for the handler's own CPU (in-memory ports, no SDK). */
  overheadIterations: number;
  /** Print the table on stdout. */
  print: boolean;
  out: string;
  workDir: string;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  n: 6000,
  maxN: 30000,
  block: 20,
  se: 0.02,
  concurrentRequests: 1000,
  c: 16,
  warmup: 300,
  cold: 30,
  maxCold: 150,
  sizes: [10, 1000, 2500, 20000, 50000],
  sizeSamples: 15,
  overheadIterations: 5000,
  print: true,
  out: 'bench/results.json',
  workDir: '.local/bench',
};

const NUMBERS = [
  'n',
  'max-n',
  'block',
  'se',
  'concurrent',
  'c',
  'warmup',
  'cold',
  'max-cold',
  'overhead',
  'size-samples',
] as const;

const number = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number, not "${text}"`);
  return value;
};

/** `npm run bench -- --n 400 --cold 5 ...`: each option overrides DEFAULT_OPTIONS. */
export const parseBenchArgs = (argv: string[]): Partial<BenchOptions> => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(NUMBERS.map((name) => [name, { type: 'string' as const }])),
      sizes: { type: 'string' },
      out: { type: 'string' },
      'work-dir': { type: 'string' },
    },
  });
  const given = values as Record<string, string | undefined>;
  const num = (name: (typeof NUMBERS)[number]) => (given[name] === undefined ? undefined : number(name, given[name]));
  const options: Partial<BenchOptions> = {
    n: num('n'),
    maxN: num('max-n'),
    block: num('block'),
    se: num('se'),
    concurrentRequests: num('concurrent'),
    c: num('c'),
    warmup: num('warmup'),
    cold: num('cold'),
    maxCold: num('max-cold'),
    overheadIterations: num('overhead'),
    sizeSamples: num('size-samples'),
    sizes: given.sizes?.split(',').map((size) => number('sizes', size)),
    out: given.out,
    workDir: given['work-dir'],
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
};

/** Options with the minimums raised to fit: maxN at least n, maxCold at least cold. */
export const withDefaults = (partial: Partial<BenchOptions>): BenchOptions => {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  return {
    ...options,
    maxN: Math.max(options.n, options.maxN),
    maxCold: Math.max(options.cold, options.maxCold),
  };
};
