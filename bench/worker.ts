import { gunzipSync } from 'node:zlib';
/**
 * A warm Lambda environment for the bench: loads one bundle (subject or baseline) once, then runs the requests the
 * parent sends over IPC and reports latency and CPU per request. Its stdout (the handler's logs and EMF metrics)
 * goes to a file, as a Lambda's goes to its log pipe.
 */
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beginInvocation } from './lambda-context';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** An answer's body as text: a gzip-compressed one (base64, Content-Encoding: gzip; answers over 64 KB) decoded. */
const bodyText = (response: { body?: string; isBase64Encoded?: boolean; headers?: Record<string, unknown> }): string =>
  response.isBase64Encoded === true && response.headers?.['content-encoding'] === 'gzip'
    ? gunzipSync(Buffer.from(String(response.body), 'base64')).toString('utf8')
    : String(response.body);

export type WorkerRequest =
  { type: 'run'; id: number; events: APIGatewayProxyEventV2[]; concurrency: number } | { type: 'exit' };

export interface RunResult {
  type: 'result';
  id: number;
  latencies_ms: number[];
  /** Per request when run one at a time; for concurrent runs the total divided by the request count. */
  cpu_us: number[];
  wall_ms: number;
  statuses: number[];
  /** The first response body (decoded), so the parent can check the answer is a real order. */
  first_body: string;
  /** The first answer's body as sent (base64 when compressed), in bytes. */
  answer_bytes: number;
}

const bundle = process.env.BENCH_BUNDLE;
if (bundle === undefined) throw new Error('BENCH_BUNDLE is not set');
/** As Lambda's runtime loads a handler: require() for CommonJS, import() for an ES module (.mjs, chunks included). */
const load = async (file: string): Promise<Handler> => {
  const module = file.endsWith('.mjs')
    ? ((await import(file)) as { handler: Handler })
    : // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require(file) as { handler: Handler });
  return module.handler;
};
const loadStart = performance.now();
let handler: Handler;

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;

const run = async (events: APIGatewayProxyEventV2[], concurrency: number): Promise<Omit<RunResult, 'type' | 'id'>> => {
  const latencies: number[] = [];
  const cpu: number[] = [];
  const statuses: number[] = [];
  let firstBody = '';
  let answerBytes = 0;
  const first = (response: APIGatewayProxyStructuredResultV2) => {
    if (firstBody !== '') return;
    firstBody = bodyText(response);
    answerBytes = Buffer.byteLength(response.body ?? '');
  };
  const wallStart = performance.now();
  if (concurrency <= 1) {
    for (const event of events) {
      const context = beginInvocation();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const response = await handler(event, context);
      latencies.push(performance.now() - start);
      cpu.push(cpuMicros(process.cpuUsage(cpuStart)));
      statuses.push(response.statusCode ?? 0);
      first(response);
    }
  } else {
    const cpuStart = process.cpuUsage();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++] as APIGatewayProxyEventV2;
        const context = beginInvocation();
        const start = performance.now();
        const response = await handler(event, context);
        latencies.push(performance.now() - start);
        statuses.push(response.statusCode ?? 0);
        first(response);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const perRequest = cpuMicros(process.cpuUsage(cpuStart)) / Math.max(1, events.length);
    for (let i = 0; i < events.length; i += 1) cpu.push(perRequest);
  }
  return {
    latencies_ms: latencies,
    cpu_us: cpu,
    wall_ms: performance.now() - wallStart,
    statuses,
    first_body: firstBody,
    answer_bytes: answerBytes,
  };
};

const main = async (file: string): Promise<void> => {
  handler = await load(file);
  const loadMs = performance.now() - loadStart;
  process.on('message', (message: WorkerRequest) => {
    if (message.type === 'exit') {
      // As a Lambda environment ends: at once, whatever sockets (SDK keep-alive, X-Ray UDP) are still open.
      process.exit(0);
    }
    void run(message.events, message.concurrency).then((result) =>
      process.send?.({ type: 'result', id: message.id, ...result } satisfies RunResult),
    );
  });
  process.send?.({ type: 'ready', load_ms: loadMs });
};
void main(bundle);
