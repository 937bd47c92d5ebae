// Rooms made ahead of the bookings that will take them. Creating a room costs Synapse a handful
// of event writes, each tens of milliseconds of its CPU: a new booking's PUT takes a ready room
// instead (claimed in the transaction that writes the booking's row) and answers, and the room
// gets the booking's name, state event and members right after (room-sync.ts; a send waits for
// that: BookingChats.ready). With the pool empty, the PUT creates the room itself, as before.
// Each process tops the pool up to ROOM_POOL_SIZE after every claim, at start and when Synapse
// is back; processes topping up at once may overshoot by a room each, which the next bookings take.
import { onHomeserver } from '../matrix/errors.ts';
import type { RoomAdmin } from '../matrix/room-admin.ts';
import type { Logger } from '../observability/logger.ts';
import type { BookingFields, BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { RoomPoolStore } from '../store/room-pool-store.ts';
import { ROOM_BASE } from './booking-room.ts';

export interface RoomPoolDeps {
  admin: RoomAdmin;
  store: RoomPoolStore;
  bookings: BookingsStore;
  /** ROOM_POOL_SIZE: rooms kept ready (0: every PUT creates its room). */
  size: number;
  logger: Logger;
}

export class RoomPool {
  private readonly deps: RoomPoolDeps;
  private filling: Promise<void> | undefined;
  /** A claim came while a pass was filling: look again once it ends. */
  private again = false;
  private stopped = false;

  constructor(deps: RoomPoolDeps) {
    this.deps = deps;
  }

  /**
   * Stores the new booking with a ready room: its row, or undefined when the pool is empty,
   * `taken` when another process stored this booking first.
   */
  async claim(bookingId: string, fields: BookingFields): Promise<BookingRow | 'taken' | undefined> {
    if (this.deps.size === 0) return undefined;
    const claimed = await this.deps.bookings.insertWithPooledRoom(bookingId, fields, this.deps.store);
    this.refill();
    return claimed;
  }

  /** Tops the pool up in the background, one pass at a time; never rejects (a failed pass waits for the next call). */
  refill(): void {
    if (this.stopped || this.deps.size === 0) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = this.fill()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'room pool not topped up: the next booking or start tries again'))
      .finally(() => {
        this.filling = undefined;
        if (this.again) {
          this.again = false;
          this.refill();
        }
      });
  }

  /** Once no pass is under way or due (tests and the bench wait on it). */
  async settled(): Promise<void> {
    while (this.filling) await this.filling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private async fill(): Promise<void> {
    const { admin, store, size } = this.deps;
    while (!this.stopped && (await store.size()) < size) {
      const roomId = await onHomeserver(() => admin.createUnclaimed({ ...ROOM_BASE }));
      await store.add(roomId);
    }
  }
}
