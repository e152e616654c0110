import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** Hand-built API Gateway HTTP API (payload 2.0) events and a Lambda context, as the platform delivers them. */

export const basic = (accountId: string, secret: string): string =>
  `Basic ${Buffer.from(`${accountId}:${secret}`, 'utf8').toString('base64')}`;

export const LOCAL_AUTH = basic('local-account', 'local-secret');
export const OTHER_AUTH = basic('other-account', 'other-secret');

export interface RequestOptions {
  /** undefined: no Authorization header at all. */
  authorization?: string | undefined;
  rawQueryString?: string;
  body?: string | undefined;
  contentType?: string | undefined;
  isBase64Encoded?: boolean;
  /** Extra headers (names lowercased, as HTTP API does). */
  headers?: Record<string, string>;
}

export const completeEvent = (orderHandle: string, options: RequestOptions = {}): APIGatewayProxyEventV2 => {
  const rawQueryString = options.rawQueryString ?? '';
  const encodedHandle = encodeURIComponent(orderHandle);
  const rawPath = `/orders/${encodedHandle}/complete`;
  const body = options.body;
  const headers: Record<string, string> = {
    host: 'api.example.test',
    'user-agent': 'integration-test',
    'x-forwarded-proto': 'https',
    ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
    ...(body === undefined
      ? {}
      : { 'content-length': String(Buffer.byteLength(body, options.isBase64Encoded ? 'base64' : 'utf8')) }),
    ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
    ...options.headers,
  };
  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    // HTTP API joins repeated parameters with commas.
    queryStringParameters[key] = key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }
  return {
    version: '2.0',
    routeKey: 'POST /orders/{order_handle}/complete',
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters }),
    pathParameters: { order_handle: orderHandle },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'integration-test',
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: 'POST /orders/{order_handle}/complete',
      stage: '$default',
      time: '01/May/2024:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
};

export const lambdaContext = (remainingMs = 10_000): Context => {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'orders-complete-integration-completeOrder',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-complete-integration-completeOrder',
    memoryLimitInMB: '1024',
    awsRequestId: `aws-req-${Math.random().toString(36).slice(2)}`,
    logGroupName: '/aws/lambda/orders-complete-integration-completeOrder',
    logStreamName: '2024/05/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

export interface ParsedResponse {
  statusCode: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, unknown>;
}

/** The body as the caller reads it: base64-decoded and gunzipped when the answer says so. */
export const decodedBody = (response: APIGatewayProxyStructuredResultV2): string => {
  if (typeof response.body !== 'string') throw new Error(`response without a string body: ${JSON.stringify(response)}`);
  if (response.isBase64Encoded !== true) return response.body;
  const bytes = Buffer.from(response.body, 'base64');
  return (response.headers?.['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
};

export const parseResponse = (response: APIGatewayProxyStructuredResultV2): ParsedResponse => ({
  statusCode: response.statusCode ?? 0,
  headers: response.headers ?? {},
  body: JSON.parse(decodedBody(response)) as Record<string, unknown>,
});
