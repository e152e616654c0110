/**
 * The per-completion figures the capacity model takes from bench/results.json (written by `npm run bench`),
 * never typed in. Every key read is named here; a missing one is reported by name (docs/capacity.md lists them).
 */

export const SHAPES = ['exact', 'latest_attempt', 'handle_only'] as const;
export type Shape = (typeof SHAPES)[number];

export interface SizeFigures {
  points: number;
  /** DynamoDB calls and units of one completion of an order of this size (table only, as DynamoDB Local reports). */
  reads: number;
  writes: number;
  read_units: number;
  write_units: number;
  put_events: number;
}

export interface BenchPrices {
  dynamodb_write_request_unit: number;
  dynamodb_read_request_unit: number;
  eventbridge_event: number;
  lambda_request: number;
  lambda_gb_second_arm64: number;
}

export interface BenchFigures {
  generated_at: string | undefined;
  sizes: SizeFigures[];
  /** The handler's CPU per warm request, SDK included (cpu_us_per_request). */
  cpu_ms: number;
  /** Read units of one credential-cache miss (auth_miss.subject.read_units: one strongly consistent GetItem). */
  auth_read_units: number;
  /** Events per second one relay process drains with every loop (relay_events_per_s, `npm run bench:relay`). */
  relay_events_per_s: number;
  /**
   * Events per second one deployed relay invocation drains: one part of the shards with its share of the loops
   * (relay_invocation_events_per_s). The schedule runs one per part at once, each in its own Lambda environment.
   */
  relay_invocation_events_per_s: number;
  prices: BenchPrices;
}

export class MissingBenchKey extends Error {
  constructor(readonly key: string) {
    super(`bench/results.json has no number at "${key}"; run \`npm run bench\` (docs/capacity.md lists the keys)`);
    this.name = 'MissingBenchKey';
  }
}

const child = (value: unknown, key: string | number): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;

const numberAt = (root: unknown, path: (string | number)[]): number => {
  const value = path.reduce(child, root);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MissingBenchKey(path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.'));
  }
  return value;
};

const PRICE_KEYS: (keyof BenchPrices)[] = [
  'dynamodb_write_request_unit',
  'dynamodb_read_request_unit',
  'eventbridge_event',
  'lambda_request',
  'lambda_gb_second_arm64',
];
const SIZE_KEYS = ['reads', 'writes', 'read_units', 'write_units', 'put_events'] as const;

/** The figures for one request shape; sizes the bench could not store (`storable: false`) are left out. */
export const readBenchFigures = (results: unknown, shape: Shape): BenchFigures => {
  const bySize = child(results, 'capacity_by_size');
  if (!Array.isArray(bySize) || bySize.length === 0) throw new MissingBenchKey('capacity_by_size');
  const sizes: SizeFigures[] = [];
  bySize.forEach((entry: unknown, index) => {
    if (child(entry, 'storable') === false) return;
    const base = ['capacity_by_size', index];
    const figures = Object.fromEntries(
      SIZE_KEYS.map((key) => [key, numberAt(results, [...base, 'subject', shape, key])]),
    ) as Record<(typeof SIZE_KEYS)[number], number>;
    sizes.push({ points: numberAt(results, [...base, 'points']), ...figures });
  });
  const prices = Object.fromEntries(
    PRICE_KEYS.map((key) => [key, numberAt(results, ['prices_usd', key])]),
  ) as unknown as BenchPrices;
  const generatedAt = child(results, 'generated_at');
  return {
    generated_at: typeof generatedAt === 'string' ? generatedAt : undefined,
    sizes,
    cpu_ms: numberAt(results, ['cpu_us_per_request']) / 1000,
    auth_read_units: numberAt(results, ['auth_miss', 'subject', 'read_units']),
    relay_events_per_s: numberAt(results, ['relay_events_per_s']),
    relay_invocation_events_per_s: numberAt(results, ['relay_invocation_events_per_s']),
    prices,
  };
};

/** `--mix small=0.8,large=0.2` or `--mix 10=0.8,1000=0.2`: order sizes (polyline points) and their shares. */
export const parseMix = (text: string, sizes: readonly SizeFigures[]): Map<number, number> => {
  const aliases: Record<string, number> = { small: 10, large: 1000 };
  const mix = new Map<number, number>();
  for (const part of text.split(',')) {
    const match = /^\s*([a-z]+|\d+)\s*=\s*(\d*\.?\d+)\s*$/.exec(part);
    if (match === null) throw new Error(`bad --mix part "${part}": expected NAME=SHARE, e.g. small=0.8,large=0.2`);
    const name = match[1] as string;
    const points = aliases[name] ?? Number(name);
    if (!Number.isInteger(points)) throw new Error(`unknown size "${name}" in --mix (small, large, or a point count)`);
    if (!sizes.some((size) => size.points === points)) {
      const known = sizes.map((size) => size.points).join(', ');
      throw new Error(`bench/results.json has no figures for ${points} points (it has: ${known})`);
    }
    mix.set(points, (mix.get(points) ?? 0) + Number(match[2]));
  }
  const total = [...mix.values()].reduce((sum, share) => sum + share, 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`--mix shares must add up to 1 (they add up to ${total})`);
  return mix;
};
