import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A request header by lower-case name. API Gateway v2 lower-cases names; other callers (tests, tools) may not. */
export const findHeader = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
};
