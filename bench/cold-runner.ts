/**
 * One cold start: a fresh node process loads the bundle, answers its first request, and reports how long that took
 * since the process started (node's own start-up included, as in a Lambda cold start), the load and first request
 * alone, and its peak memory. With BENCH_TRACK_LOADED=1 (an untimed run) it also lists the files it loaded, for the
 * bytes parsed at init. The result goes to BENCH_RESULT_FILE (stdout carries the handler's logs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beginInvocation } from './lambda-context';
import { trackLoadedFiles } from './loaded-files';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const { BENCH_BUNDLE: bundle, BENCH_EVENT: event, BENCH_RESULT_FILE: resultFile } = process.env;
if (bundle === undefined || event === undefined || resultFile === undefined) {
  throw new Error('BENCH_BUNDLE, BENCH_EVENT and BENCH_RESULT_FILE must be set');
}
const loadedFiles = process.env.BENCH_TRACK_LOADED === '1' ? trackLoadedFiles() : undefined;

/**
 * This process's own peak RSS in KB: VmHWM, which starts afresh at exec. (getrusage's maxRSS can carry the
 * spawning parent's peak over on Linux, so every side would report the bench's own.)
 */
const peakRssKb = (): number => {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
};

/** As Lambda's runtime loads a handler: require() for CommonJS, import() for an ES module (.mjs, chunks included). */
const load = async (file: string): Promise<{ handler?: Handler }> =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  file.endsWith('.mjs') ? ((await import(file)) as { handler?: Handler }) : (require(file) as { handler?: Handler });

void (async () => {
  const start = performance.now();
  const { handler } = await load(bundle);
  if (handler === undefined) throw new Error(`${bundle} exports no handler`);
  const loaded = performance.now();
  const response = await handler(JSON.parse(event) as APIGatewayProxyEventV2, beginInvocation());
  const answered = performance.now();
  writeFileSync(
    resultFile,
    JSON.stringify({
      status: response.statusCode,
      // performance.now() counts from the process's time origin: node's start-up is included.
      since_process_start_ms: answered,
      load_ms: loaded - start,
      first_request_ms: answered - loaded,
      max_rss_kb: peakRssKb(),
      ...(loadedFiles === undefined ? {} : { loaded_files: await loadedFiles() }),
    }),
  );
})();
