// The booking as a send on this process read it, lent to the storing of its room's events while
// that send waits for its message. The event comes back through the one road tens of
// milliseconds after the send's read, and reading the booking again for it cost a database round
// trip per message, which on a VM is mostly the wake-up it costs (docs/operations.md, "Wake-ups").
// Lent only while a send in that room is in flight, so what the storing sees is never older than
// a send's own admission: a change to the booking meanwhile (a block, a rename, a new artist)
// counts from the events after, as if it had come a moment later. Sends on other processes lend
// nothing here: their events are read with the booking as before.
import type { BookingWithMembers } from '../store/bookings-store.ts';

interface Lent {
  booking: BookingWithMembers;
  /** Sends in flight in this room: the booking is lent until the last one ends. */
  sends: number;
}

export class BookingsOfSends {
  private readonly lent = new Map<string, Lent>();

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
    } else this.lent.set(roomId, { booking, sends: 1 });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.lent.get(roomId)!;
      if (--entry.sends === 0) this.lent.delete(roomId);
    };
  }

  /** The booking of this room as a send in flight read it, if there is one. */
  get(roomId: string): BookingWithMembers | undefined {
    return this.lent.get(roomId)?.booking;
  }
}
