/** Order statistics, and standard errors by bootstrap over the interleaved rounds (so drift stays paired). */

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
};
export const median = (values: readonly number[]): number => percentile(values, 50);
export const mean = (values: readonly number[]): number =>
  values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** One interleaved round: the samples each side measured in it. */
export type Round<Side extends string> = Record<Side, number[]>;

const pool = <Side extends string>(rounds: readonly Round<Side>[], side: Side): number[] =>
  rounds.flatMap((round_) => round_[side]);

/** A deterministic generator (mulberry32), so a bootstrap gives the same answer for the same samples. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * A statistic of the pooled rounds and its bootstrap standard error: rounds are resampled whole (each keeps every
 * side's samples of that moment), so machine drift is paired as it was in the run.
 */
export const bootstrap = <Side extends string>(
  rounds: readonly Round<Side>[],
  statistic: (pooled: (side: Side) => number[]) => number,
  resamples = 200,
): { value: number; se: number } => {
  const value = statistic((side) => pool(rounds, side));
  if (rounds.length < 2) return { value, se: Number.NaN };
  const random = generator(rounds.length);
  const estimates: number[] = [];
  for (let b = 0; b < resamples; b += 1) {
    const picked = Array.from({ length: rounds.length }, () => rounds[Math.floor(random() * rounds.length)]!);
    estimates.push(statistic((side) => pool(picked, side)));
  }
  const average = mean(estimates);
  const variance = estimates.reduce((sum, e) => sum + (e - average) ** 2, 0) / (estimates.length - 1);
  return { value, se: Math.sqrt(variance) };
};

/** Ratio of a percentile, side a over side b, with its standard error. */
export const percentileRatio = <Side extends string>(rounds: readonly Round<Side>[], a: Side, b: Side, p: number) =>
  bootstrap(rounds, (pooled) => percentile(pooled(a), p) / percentile(pooled(b), p));

/** Difference of means, side a minus side b, with its standard error. */
export const meanDifference = <Side extends string>(rounds: readonly Round<Side>[], a: Side, b: Side) =>
  bootstrap(rounds, (pooled) => mean(pooled(a)) - mean(pooled(b)));
