/** An HTTP-level refusal (401, 413, 415) that is not a domain decision. Its message and detail are safe to show. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly detail: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const WWW_AUTHENTICATE = 'Basic realm="orders", charset="UTF-8"';

export const authenticationError = (): HttpError =>
  new HttpError(401, 'Authentication error', {}, { 'www-authenticate': WWW_AUTHENTICATE });
