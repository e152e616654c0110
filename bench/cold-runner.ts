/**
 * One cold start: a fresh node process loads the bundle, answers its first request, and reports how long that took
 * since the process started (node's own start-up included, as in a Lambda cold start), the load and first request
 * alone, and its peak memory. The result goes to BENCH_RESULT_FILE (stdout carries the handler's logs).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const { BENCH_BUNDLE: bundle, BENCH_EVENT: event, BENCH_RESULT_FILE: resultFile } = process.env;
if (bundle === undefined || event === undefined || resultFile === undefined) {
  throw new Error('BENCH_BUNDLE, BENCH_EVENT and BENCH_RESULT_FILE must be set');
}
const start = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require(bundle) as { handler: Handler };
const loaded = performance.now();
void handler(JSON.parse(event) as APIGatewayProxyEventV2, lambdaContext()).then((response) => {
  const answered = performance.now();
  writeFileSync(
    resultFile,
    JSON.stringify({
      status: response.statusCode,
      // performance.now() counts from the process's time origin: node's start-up is included.
      since_process_start_ms: answered,
      load_ms: loaded - start,
      first_request_ms: answered - loaded,
      max_rss_kb: process.resourceUsage().maxRSS,
    }),
  );
});
