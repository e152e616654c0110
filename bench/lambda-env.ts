import { dirname } from 'node:path';
import type { DeployedFunction } from './profile';

/** Where the bench's functions send their AWS calls (the fakes, or DynamoDB Local for the cost figures). */
export interface LocalEndpoints {
  dynamodb: string;
  eventbridge: string;
  /** host:port of the stand-in X-Ray daemon. */
  xrayDaemon: string;
}

/**
 * The variables the Lambda Node.js runtime sets in a function's process (on top of the function's own
 * environment), for the deployed function: execution environment, task root, region, the role's credentials,
 * and with active tracing the X-Ray daemon's address. The SDK finds the local endpoints through its standard
 * AWS_ENDPOINT_URL_<SERVICE> variables, so the function's own configuration stays exactly as deployed.
 */
export const lambdaRuntimeEnv = (
  deployed: DeployedFunction,
  functionName: string,
  bundleFile: string,
  endpoints: LocalEndpoints,
): Record<string, string> => ({
  AWS_EXECUTION_ENV: `AWS_Lambda_${deployed.runtime}`,
  AWS_LAMBDA_FUNCTION_NAME: `${deployed.service}-${deployed.stage}-${functionName}`,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(deployed.memorySize),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${deployed.service}-${deployed.stage}-${functionName}`,
  AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]bench',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LAMBDA_TASK_ROOT: dirname(bundleFile),
  LAMBDA_RUNTIME_DIR: '/var/runtime',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  TZ: ':UTC',
  LANG: 'en_US.UTF-8',
  AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  AWS_SESSION_TOKEN: 'bench-session-token',
  ...(deployed.activeTracing
    ? { AWS_XRAY_DAEMON_ADDRESS: endpoints.xrayDaemon, AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' }
    : {}),
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
  // The bench's worker acts as the runtime: it sets _X_AMZN_TRACE_ID per invocation (bench/lambda-context.ts).
  BENCH_ACTIVE_TRACING: deployed.activeTracing ? 'true' : 'false',
});
