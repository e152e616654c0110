import type { BenchResults, CompletionCost, ProfileFigures } from './results';

type Row = [string, string | number, string | number, string | number, string];

const withSe = (value: number, se: number): string => `${value} ± ${se}`;

const profileRows = (label: string, r: BenchResults, p: ProfileFigures): Row[] => [
  [
    `${label}: warm p50 (ms, sequential)`,
    r.warm[label === 'default' ? 'subject' : 'alternate'].sequential.p50_ms,
    r.warm.baseline.sequential.p50_ms,
    withSe(p.warm_p50_ratio, p.warm_p50_ratio_se),
    '<= 1.10',
  ],
  [`${label}: warm p99 ratio`, '', '', withSe(p.warm_p99_ratio, p.warm_p99_ratio_se), '<= 1.15'],
  [
    `${label}: CPU per request (us)`,
    p.cpu_us_per_request,
    r.baseline_cpu_us_per_request,
    `+${withSe(p.cpu_overhead_us_per_request, p.cpu_overhead_us_per_request_se)}`,
    '<= +300',
  ],
  [`${label}: cold start ratio`, '', '', withSe(p.cold_start_ratio, p.cold_start_ratio_se), '<= 1.15'],
  [`${label}: concurrent p50 / p99 ratio`, '', '', `${p.concurrent_p50_ratio} / ${p.concurrent_p99_ratio}`, ''],
  [`${label}: throughput ratio`, '', '', p.throughput_ratio, ''],
  [
    `${label}: bytes loaded at init`,
    p.bundle_loaded_bytes,
    r.baseline_bundle_loaded_bytes,
    p.bundle_loaded_ratio,
    '<= 1.40',
  ],
  [`${label}: X-Ray segments sent (warm)`, p.xray_segments_sent, '', '', ''],
];

const capacityLines = (r: BenchResults): string[] => {
  const lines = ['', 'capacity units per completion (subject, exact | latest_attempt | handle_only): RRU + WRU, $/M'];
  const cell = (c: CompletionCost) => `${c.read_units} + ${c.write_units} ($${c.cost_per_million_usd})`;
  for (const size of r.capacity_by_size) {
    const head = `  ${String(size.points).padStart(6)} points (${size.item_json_bytes} B JSON):`;
    const s = size.subject;
    lines.push(
      !size.storable || s === undefined
        ? `${head} not storable (${size.note ?? 'see results.json'})`
        : `${head} ${cell(s.exact)} | ${cell(s.latest_attempt)} | ${cell(s.handle_only)}`,
    );
  }
  lines.push(
    '',
    'plain POST by size (DynamoDB Local): p50 ms subject / baseline (ratio ± SE); CPU us p50, overhead ± SE',
  );
  for (const size of r.capacity_by_size) {
    const t = size.timing;
    if (t === undefined) continue;
    lines.push(
      `  ${String(size.points).padStart(6)} points, ${t.samples} each: ${t.subject.p50_ms} / ${t.baseline.p50_ms} ms ` +
        `(${withSe(t.p50_ratio, t.p50_ratio_se)}); CPU ${t.subject.cpu_us_p50} / ${t.baseline.cpu_us_p50} us ` +
        `(+${withSe(t.cpu_overhead_us, t.cpu_overhead_us_se)}); answer ${size.answer_bytes ?? '?'} B`,
    );
  }
  return lines;
};

/** The human summary of a run on stdout (bench/results.json has everything). */
export const printTable = (r: BenchResults): void => {
  const alternate = r.lean ?? r.traced;
  const rows: Row[] = [
    ...profileRows('default', r, r),
    ...(alternate === undefined ? [] : profileRows(alternate.profile, r, alternate)),
    ['handler CPU, no SDK (us)', r.handler_cpu_us_per_request_without_sdk, '', '', ''],
    [
      'cold start (ms since process start)',
      r.cold.subject.since_process_start_ms_p50,
      r.cold.baseline.since_process_start_ms_p50,
      '',
      '',
    ],
    ['bundle (bytes)', r.bundle_bytes, r.baseline_bundle_bytes, r.bundle_ratio, ''],
  ];
  const table = [['', 'subject', 'baseline', 'ratio', 'goal'], ...rows.map((row) => row.map(String))];
  const widths = (table[0] as string[]).map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
  lines.push('', `profile: ${r.profile} (${r.description}); node ${r.machine.node}`);
  lines.push('calls per completion (subject): reads / writes / PutEvents entries');
  for (const [shape, c] of Object.entries(r.calls_per_completion_by_shape)) {
    lines.push(`  ${shape.padEnd(15)} ${c.reads} / ${c.writes} / ${c.put_events}`);
  }
  lines.push(...capacityLines(r));
  process.stdout.write(`${lines.join('\n')}\n`);
};
