/**
 * The caller is not authenticated: no token, a token that fails verification, or no identity
 * where one is required. `message` is a short reason safe to log and to return (it never holds
 * the token); entrypoints answer HTTP 401 `{"code":"Unauthorized","message":…}`.
 */
export class UnauthorizedError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'UnauthorizedError';
  }
}
