import type { ErrorDetail } from './error-bodies';

export type HttpErrorStatus = 401 | 413 | 415;

/** An HTTP-level refusal (401, 413, 415) that is not a domain decision. Its message and detail are safe to show. */
export class HttpError<S extends HttpErrorStatus = HttpErrorStatus> extends Error {
  constructor(
    readonly statusCode: S,
    message: string,
    readonly detail: ErrorDetail<S>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const WWW_AUTHENTICATE = 'Basic realm="orders", charset="UTF-8"';

export const authenticationError = (): HttpError<401> =>
  new HttpError(401, 'Authentication error', {}, { 'www-authenticate': WWW_AUTHENTICATE });
