import type { ErrorBody, ErrorCode } from '../../../../domain/errors';

/** Every failed call to the API becomes this: the API's own message, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static fromBody(status: number, body: unknown): ApiError {
    if (isErrorBody(body)) return new ApiError(status, body.error.code, body.error.message, body.error.details);
    return new ApiError(status, status >= 500 ? 'internal' : 'validation_failed', `The server answered ${status} without an error message.`);
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body as { error: unknown };
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}
