/** A problem the developer can fix (Java missing, a port in use): printed as one clear line, no stack. */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
}
