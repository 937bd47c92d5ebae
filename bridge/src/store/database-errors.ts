// What a database failure means for the caller: the data was refused (retrying the same data
// fails the same way, so it must be set aside) or the database could not be reached (retrying
// later succeeds, so the caller must not acknowledge anything). Anything else is neither.
import { NETWORK_ERROR_CODES } from '../shared/network-errors.ts';

/** PostgreSQL's five-character SQLSTATE of a pg error, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

// Classes 22 (data exception: bad encoding, out-of-range values), 23 (integrity constraint) and
// 54 (program limit: a value or row too large) are about the data a statement carried.
const DATA_CLASSES = new Set(['22', '23', '54']);

/** The database refused what was written: the same write will fail again. */
export function isDataError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && DATA_CLASSES.has(state.slice(0, 2));
}

// 08: connection exceptions; 57P01–57P03: the server is shutting down or not yet accepting;
// 53300: too many connections.
const OUTAGE_STATES = /^(08...|57P0[1-3]|53300)$/;
// pg's own errors when a connection dies under a query carry no code, only these messages
// (knex puts the statement in front of them).
const LOST_CONNECTION = /Connection terminated|not queryable|Connection ended/;

/** The database could not be reached or dropped the connection: retrying later may succeed. */
export function isDatabaseOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // knex's pool gave up waiting for a connection (every connection attempt failing looks like this).
  if (error.name === 'KnexTimeoutError') return true;
  const state = sqlStateOf(error);
  if (state !== undefined) return OUTAGE_STATES.test(state);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
  // Node reports a refused connection to every address of a host as one AggregateError.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseOutage);
  return LOST_CONNECTION.test(error.message);
}
