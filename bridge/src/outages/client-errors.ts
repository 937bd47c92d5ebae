// What a client is told when a request fails, for both edges (Socket.io acknowledgements and
// REST answers): an AppError as it is; a dependency that could not be reached is `unavailable`
// with `retryAfter` (the app keeps its session and retries, with the same clientId for a send);
// anything else is `internal`, its details kept for the logs.
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import { isDatabaseOutage } from '../store/database-errors.ts';

/** Seconds an app waits before retrying while the database is unreachable (a restart takes a few). */
const DATABASE_RETRY_AFTER = 2;

export function toClientError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseOutage(error)) return new AppError('unavailable', 'the service is briefly unavailable; retry later', DATABASE_RETRY_AFTER);
  return new AppError('internal', 'internal error');
}

/**
 * What the logs keep of a failed request: anything unexpected in full; `unavailable` with what
 * caused it, when it carries that (a homeserver that answered an error: matrix/errors.ts).
 */
export function logFailure(logger: Logger, error: unknown, context: Record<string, unknown>, failed: string): void {
  if (!(error instanceof AppError)) logger.error({ err: error, ...context }, failed);
  else if (error.code === 'unavailable' && error.cause !== undefined)
    logger.warn({ cause: error.cause, ...context }, `${failed}: unavailable`);
}
