// What a client is told when a request fails, for both edges (Socket.io acknowledgements and
// REST answers): an AppError as it is; a dependency that could not be reached is `unavailable`
// with `retryAfter` (the app keeps its session and retries, with the same clientId for a send);
// anything else is `internal`, its details kept for the logs.
import { AppError } from '../protocol/errors.ts';
import { isDatabaseOutage } from '../store/database-errors.ts';

/** Seconds an app waits before retrying while the database is unreachable (a restart takes a few). */
const DATABASE_RETRY_AFTER = 2;

export function toClientError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseOutage(error)) return new AppError('unavailable', 'the service is briefly unavailable; retry later', DATABASE_RETRY_AFTER);
  return new AppError('internal', 'internal error');
}
