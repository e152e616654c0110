import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorDetail, ErrorStatus } from './error-bodies';

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/** The API's error shape, for every status; the detail is typed by that status's schema (error-bodies.ts). */
export const errorResponse = <S extends ErrorStatus>(
  statusCode: S,
  message: string,
  detail: ErrorDetail<S>,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => jsonResponse(statusCode, { message, detail }, headers);
