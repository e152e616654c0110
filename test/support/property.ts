import type fc from 'fast-check';

/**
 * Settings for property-based tests, one place. The seed is fixed by default so CI is reproducible;
 * `FC_SEED=<n>` replays a reported failure, `FC_SEED=random` explores new inputs. `FC_RUNS_FACTOR`
 * scales every test's number of runs (e.g. 10 for a long local soak). fast-check prints the seed and
 * the shrunk counterexample of any failure.
 */
export const DEFAULT_SEED = 20_261_126;

export const propertySeed = (): number => {
  const raw = process.env.FC_SEED;
  if (raw === 'random') return Date.now() ^ (Math.random() * 0x7fffffff);
  const seed = raw === undefined || raw === '' ? DEFAULT_SEED : Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", not "${raw}"`);
  return seed;
};

export const propertyParameters = <T>(numRuns: number): fc.Parameters<T> => {
  const factor = Number(process.env.FC_RUNS_FACTOR ?? 1);
  return {
    seed: propertySeed(),
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1))),
  };
};
