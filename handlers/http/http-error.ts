import type { FieldErrors } from '../../domain/errors';
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

  override readonly name = 'HttpError';
}

/** Where in the request a problem is (the 422 detail's keys). */
export type RequestLocation = 'path' | 'query' | 'json';
/** Validation problems by location, then field. */
export type ValidationDetail = Partial<Record<RequestLocation, FieldErrors>>;

/** The request breaks its contract (422); every problem, by location. */
export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';
  constructor(readonly detail: ValidationDetail) {
    super('Validation error');
  }
}

export const WWW_AUTHENTICATE = 'Basic realm="orders", charset="UTF-8"';

export const authenticationError = (): HttpError<401> =>
  new HttpError(401, 'Authentication error', {}, { 'www-authenticate': WWW_AUTHENTICATE });
