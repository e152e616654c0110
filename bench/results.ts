import type { BenchOptions } from './options';
import type { Profile } from './profile';

/** The three measured sides: the subject as deployed, the subject in the other tracing profile, the baseline. */
export const SIDES = ['subject', 'alternate', 'baseline'] as const;
export type Side = (typeof SIDES)[number];

export type Shape = 'exact' | 'latest_attempt' | 'handle_only';

export interface Calls {
  reads: number;
  writes: number;
  put_events: number;
}

export interface CompletionCost extends Calls {
  read_units: number;
  write_units: number;
  operations: string[];
  cost_per_million_usd: number;
}

/** One side's plain-POST completions of one size: latency and CPU per completion. */
export interface SizeTiming {
  p50_ms: number;
  cpu_us_p50: number;
}

export interface SizeCost {
  points: number;
  item_json_bytes: number;
  /** The answer's body as sent (gzip-compressed over 64 KB). */
  answer_bytes?: number;
  storable: boolean;
  note?: string;
  subject?: Record<Shape, CompletionCost>;
  baseline?: Record<Shape, CompletionCost>;
  /**
   * Plain POSTs (the handle-only shape) of this size, `samples` per side, subject and baseline alternated, on
   * DynamoDB Local behind the metering proxy (its latency, not AWS's); ratios with their bootstrap SE.
   */
  timing?: {
    samples: number;
    subject: SizeTiming;
    baseline: SizeTiming;
    p50_ratio: number;
    p50_ratio_se: number;
    cpu_overhead_us: number;
    cpu_overhead_us_se: number;
  };
}

/** One profile of the subject against the baseline; each ratio with its bootstrap standard error (`_se`). */
export interface ProfileFigures {
  profile: Profile['name'];
  description: string;
  in_process_tracing: boolean;
  xray_segments_sent: number;
  warm_p50_ratio: number;
  warm_p50_ratio_se: number;
  warm_p99_ratio: number;
  warm_p99_ratio_se: number;
  cpu_us_per_request: number;
  cpu_overhead_us_per_request: number;
  cpu_overhead_us_per_request_se: number;
  cold_start_ratio: number;
  cold_start_ratio_se: number;
  cold_init_ratio: number;
  cold_peak_rss_ratio: number;
  concurrent_p50_ratio: number;
  concurrent_p99_ratio: number;
  throughput_ratio: number;
  bundle_loaded_bytes: number;
  bundle_loaded_ratio: number;
}

export interface WarmFigures {
  sequential: { count: number; p50_ms: number; p99_ms: number; mean_ms: number; cpu_us_per_request: number };
  concurrent: { count: number; p50_ms: number; p99_ms: number; throughput_per_s: number; cpu_us_per_request: number };
}

export interface ColdFigures {
  runs: number;
  since_process_start_ms_p50: number;
  load_and_first_request_ms_p50: number;
  peak_rss_mb_p50: number;
}

export interface Machine {
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  node: string;
  platform: string;
  load_average_at_start: number[];
  note: string;
}

/**
 * bench/results.json. The top-level ratios are the deployed default profile's (`profile`); `lean` (or `traced`,
 * when the default does not trace in process) holds the other tracing choice measured in the same run.
 */
/** What a credential-cache miss adds to a request: the auth read (a warm environment's first request of an account). */
export interface AuthMiss {
  reads: number;
  read_units: number;
}

export interface BenchResults extends ProfileFigures {
  generated_at: string;
  machine: Machine;
  options: BenchOptions;
  endpoints: string;
  deployed_environment: Record<string, string>;
  lean?: ProfileFigures;
  traced?: ProfileFigures;
  baseline_cpu_us_per_request: number;
  handler_cpu_us_per_request_without_sdk: number;
  handler_cpu_us_p50_without_sdk: number;
  bundle_bytes: number;
  baseline_bundle_bytes: number;
  baseline_bundle_loaded_bytes: number;
  bundle_ratio: number;
  bundle_tracer_bytes: number;
  calls_per_completion: Calls;
  calls_per_completion_by_shape: Record<Shape, Calls>;
  warm: Record<Side, WarmFigures>;
  cold: Record<Side, ColdFigures>;
  bundle_packages: { subject: Record<string, number>; baseline: Record<string, number> };
  capacity_by_size: SizeCost[];
  auth_miss: { note: string; subject: AuthMiss; baseline: AuthMiss };
  prices_usd: Record<string, number>;
  lambda_cost_per_million_usd: { note: string; subject: number; baseline: number };
}
