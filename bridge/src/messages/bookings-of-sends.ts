// The booking as a send on this process read it, lent to the storing of its room's events while
// that send waits for its message. The event comes back through the one road tens of
// milliseconds after the send's read, and reading the booking again for it cost a database round
// trip per message, which on a VM is mostly the wake-up it costs (docs/operations.md, "Wake-ups").
// Lent only while a send in that room is in flight, and only for MAX_LENT_AGE_MS after it was
// read (a send can wait a minute on a slow Synapse): what the storing sees is at most that old, so
// a change to the booking meanwhile (a block, a rename, a new artist) counts from the events after,
// as if it had come a moment later. Sends on other processes lend nothing here: their events are
// read with the booking as before.
import type { BookingWithMembers } from '../store/bookings-store.ts';

/** Older than this, a lent booking is read again: the most a change of the booking can be late for events. */
export const MAX_LENT_AGE_MS = 2_000;

interface Lent {
  booking: BookingWithMembers;
  /** When `booking` was lent (just after the send read it). */
  at: number;
  /** Sends in flight in this room: the booking is lent until the last one ends. */
  sends: number;
}

export class BookingsOfSends {
  private readonly lent = new Map<string, Lent>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Lends `booking` to its room's events until the returned release is called (by the send, once
   * it has its message or has failed). The newest read of two sends in flight is the one lent.
   */
  lend(booking: BookingWithMembers): () => void {
    const roomId = booking.room_id;
    const current = this.lent.get(roomId);
    if (current) {
      current.sends++;
      current.booking = booking;
      current.at = this.now();
    } else this.lent.set(roomId, { booking, at: this.now(), sends: 1 });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.lent.get(roomId)!;
      if (--entry.sends === 0) this.lent.delete(roomId);
    };
  }

  /** The booking of this room as a send in flight read it, if there is one and it is recent. */
  get(roomId: string): BookingWithMembers | undefined {
    const entry = this.lent.get(roomId);
    return entry && this.now() - entry.at <= MAX_LENT_AGE_MS ? entry.booking : undefined;
  }
}
