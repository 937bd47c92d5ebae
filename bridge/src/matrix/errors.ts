// Homeserver failures → protocol errors, in one place.
import { AppError } from '../protocol/errors.ts';

interface MatrixFailure {
  statusCode?: number;
  body?: { errcode?: string; retry_after_ms?: number };
  errcode?: string;
  retryAfterMs?: number;
}

/** The homeserver refused the request's parameters (400), as it does a pagination token it never gave out. */
export function isBadRequest(error: unknown): boolean {
  return (error as MatrixFailure | null)?.statusCode === 400;
}

/** The Matrix errcode of a homeserver failure, if it carried one. */
export function errcodeOf(error: unknown): string | undefined {
  const failure = (error ?? {}) as MatrixFailure;
  return failure.body?.errcode ?? failure.errcode;
}

export function fromMatrixError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const failure = (error ?? {}) as MatrixFailure;
  const errcode = errcodeOf(error);
  const retryMs = failure.body?.retry_after_ms ?? failure.retryAfterMs;
  if (errcode === 'M_LIMIT_EXCEEDED') return new AppError('rate_limited', 'slow down', Math.ceil((retryMs ?? 1000) / 1000));
  if (errcode === 'M_FORBIDDEN') return new AppError('forbidden', 'the homeserver refused this action');
  if (errcode === 'M_TOO_LARGE') return new AppError('too_large', 'too large for the homeserver');
  return new AppError('unavailable', 'the homeserver is not reachable; retry later', 1);
}

/** Runs calls to the homeserver; a failure becomes the protocol error it means (`unavailable` while it is down). */
export async function onHomeserver<T>(calls: () => Promise<T>): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    throw fromMatrixError(error);
  }
}
