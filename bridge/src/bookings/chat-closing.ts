// When a booking's chat is read-only: CHAT_CLOSE_AFTER_HOURS after the booking became completed or
// cancelled, until its status changes to anything else (docs/operations.md, "Closing chats").
// Every write by an app user (sends, uploads, edits, reactions, deletions) asks assertOpen; reads,
// receipts and typing stay open. Support staff write from Element, which this does not touch.
import { AppError } from '../protocol/errors.ts';
import type { BookingRow } from '../store/bookings-store.ts';

/** The statuses after which a booking's chat closes. */
export const CLOSING_STATUSES: ReadonlySet<string> = new Set(['completed', 'cancelled']);

type Closing = Pick<BookingRow, 'closes_at'>;

/**
 * When the chat of a booking with `status` closes: kept from `previous` while the booking stays
 * over (completed then cancelled does not restart the clock), `afterHours` from `now` when it has
 * just become over, null when it is not (a rescheduled booking's chat is open again).
 */
export function closesAtFor(status: string | null, previous: Date | null, now: Date, afterHours: number): Date | null {
  if (status === null || !CLOSING_STATUSES.has(status)) return null;
  return previous ?? new Date(now.getTime() + afterHours * 3_600_000);
}

/** When the chat closed, or undefined while it is open (also while its closing is still ahead). */
export function closedAt(booking: Closing, now: Date = new Date()): Date | undefined {
  const closesAt = booking.closes_at;
  return closesAt !== null && closesAt.getTime() <= now.getTime() ? closesAt : undefined;
}

export function isClosed(booking: Closing, now: Date = new Date()): boolean {
  return closedAt(booking, now) !== undefined;
}

/** Throws `closed` (409) when the booking's chat is read-only at `now`. */
export function assertOpen(booking: Closing, now: Date = new Date()): void {
  const at = closedAt(booking, now);
  if (at) throw new AppError('closed', `this chat closed at ${at.toISOString()}: it is read-only`);
}
