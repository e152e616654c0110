import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A complete API Gateway HTTP API (payload 2.0) event for POST /orders/{order_handle}/complete. */
export const apiEvent = (overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => {
  const orderHandle = overrides.pathParameters?.order_handle ?? 'order-1';
  const rawPath = `/orders/${encodeURIComponent(orderHandle.toWellFormed())}/complete`;
  return {
    version: '2.0',
    routeKey: 'POST /orders/{order_handle}/complete',
    rawPath,
    rawQueryString: '',
    headers: { host: 'api.example.test', 'user-agent': 'unit-test' },
    isBase64Encoded: false,
    pathParameters: { order_handle: orderHandle },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'unit-test' },
      requestId: 'request-1',
      routeKey: 'POST /orders/{order_handle}/complete',
      stage: '$default',
      time: '01/Mar/2025:12:00:00 +0000',
      timeEpoch: 1_740_830_400_000,
    },
    ...overrides,
  };
};

export const basicAuthorization = (accountId: string, secret: string, scheme = 'Basic'): string =>
  `${scheme} ${Buffer.from(`${accountId}:${secret}`, 'utf8').toString('base64')}`;

/** A Lambda context with every field Powertools and middy read. */
export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'orders-complete-unit',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-complete-unit',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/orders-complete-unit',
  logStreamName: '2025/03/01/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export const parseBody = (body: string | undefined): unknown => JSON.parse(body ?? 'null');
