import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Real API Gateway HTTP API (payload 2.0) events, as the function receives them behind the route. */
export interface Selector {
  type?: 'pick' | 'drop';
  type_index?: number;
  fulfillment_attempt?: number;
}

export const apiEvent = (
  accountId: string,
  secret: string,
  orderHandle: string,
  selector: Selector,
  requestId: string,
): APIGatewayProxyEventV2 => {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(selector)) if (value !== undefined) query.set(name, String(value));
  const rawQueryString = query.toString();
  const rawPath = `/orders/${encodeURIComponent(orderHandle)}/complete`;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: 'POST /orders/{order_handle}/complete',
    rawPath,
    rawQueryString,
    headers: {
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${accountId}:${secret}`).toString('base64')}`,
      'content-length': '2',
      'content-type': 'application/json',
      host: 'api.example.com',
      'user-agent': 'orders-complete-bench',
      'x-amzn-trace-id': `Root=1-${Math.floor(now / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)}`,
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    ...(rawQueryString === '' ? {} : { queryStringParameters: Object.fromEntries(query) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'orders-complete-bench',
      },
      requestId,
      routeKey: 'POST /orders/{order_handle}/complete',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    pathParameters: { order_handle: orderHandle },
    body: '{}',
    isBase64Encoded: false,
  };
};
