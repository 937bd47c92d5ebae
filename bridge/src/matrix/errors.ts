// Homeserver failures → protocol errors, in one place.
import { AppError } from '../protocol/errors.ts';

/** What the Matrix client libraries' errors carry, in one of two shapes. */
interface MatrixFailure {
  statusCode?: number;
  body?: { errcode?: string; error?: string; retry_after_ms?: number };
  errcode?: string;
  error?: string;
  retryAfterMs?: number;
}

/** What a homeserver failure says: its HTTP status, Matrix errcode and error text, where it carried them. */
export function matrixFailureOf(error: unknown): { status?: number; errcode?: string; message: string } {
  const failure = (error ?? {}) as MatrixFailure;
  return {
    status: failure.statusCode,
    errcode: failure.body?.errcode ?? failure.errcode,
    message: failure.body?.error ?? failure.error ?? '',
  };
}

/** The homeserver refused the request's parameters (400), as it does a pagination token it never gave out. */
export function isBadRequest(error: unknown): boolean {
  return (error as MatrixFailure | null)?.statusCode === 400;
}

/** The Matrix errcode of a homeserver failure, if it carried one. */
export function errcodeOf(error: unknown): string | undefined {
  return matrixFailureOf(error).errcode;
}

export function fromMatrixError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const failure = (error ?? {}) as MatrixFailure;
  const errcode = errcodeOf(error);
  const retryMs = failure.body?.retry_after_ms ?? failure.retryAfterMs;
  if (errcode === 'M_LIMIT_EXCEEDED') return new AppError('rate_limited', 'slow down', Math.ceil((retryMs ?? 1000) / 1000));
  if (errcode === 'M_FORBIDDEN') return new AppError('forbidden', 'the homeserver refused this action');
  if (errcode === 'M_TOO_LARGE') return new AppError('too_large', 'too large for the homeserver');
  const unavailable = new AppError('unavailable', 'the homeserver is not reachable; retry later', 1);
  // An error the homeserver answered (not a connection it refused) is kept for the logs: that is
  // a bug to find, not only an outage to wait out. The edges log it (outages/client-errors.ts).
  const answered = matrixFailureOf(error);
  return answered.status === undefined ? unavailable : Object.assign(unavailable, { cause: answered });
}

/** Runs calls to the homeserver; a failure becomes the protocol error it means (`unavailable` while it is down). */
export async function onHomeserver<T>(calls: () => Promise<T>): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    throw fromMatrixError(error);
  }
}
