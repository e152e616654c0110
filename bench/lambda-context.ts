import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda context as the Node.js runtime passes it (10 s timeout, 1024 MB, as serverless.yml deploys). */
export const lambdaContext = (timeoutMs = 10_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'orders-complete-bench-completeOrder',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-complete-bench-completeOrder',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/orders-complete-bench-completeOrder',
    logStreamName: '2026/01/01/[$LATEST]bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

let reservoirSecond = -1;

/**
 * X-Ray's default sampling rule, as Lambda applies it with active tracing: the first request of each second, then
 * 5 % of the rest.
 */
const sampled = (): boolean => {
  // The smoke test's few requests may all fall in one second: it samples every request to see tracing work.
  if (process.env.BENCH_SAMPLE_EVERY_REQUEST === '1') return true;
  const second = Math.floor(Date.now() / 1000);
  if (second !== reservoirSecond) {
    reservoirSecond = second;
    return true;
  }
  return Math.random() < 0.05;
};

/**
 * What the runtime does before each invocation: with active tracing (BENCH_ACTIVE_TRACING, from serverless.yml),
 * a fresh _X_AMZN_TRACE_ID (root, parent, sampling decision) that the X-Ray SDK's facade segment reads.
 */
export const beginInvocation = (): Context => {
  if (process.env.BENCH_ACTIVE_TRACING === 'true') {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled() ? 1 : 0};Lineage=bench:0`;
  }
  return lambdaContext();
};
