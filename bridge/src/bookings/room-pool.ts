// Rooms made ahead of the bookings that will take them. Creating a room costs Synapse a handful
// of event writes, each tens of milliseconds of its CPU: a new booking's PUT takes a ready room
// instead (claimed in the transaction that writes the booking's row) and answers, and the room
// gets the booking's name, state event and members right after (room-sync.ts; a send waits for
// that: BookingChats.ready). With the pool empty, the PUT creates the room itself, as before.
// Each process tops the pool up to ROOM_POOL_SIZE after every claim, at start, when Synapse is
// back and every minute; processes topping up at once may overshoot by a room each, which the
// next bookings take.
import { onHomeserver } from '../matrix/errors.ts';
import type { RoomAdmin } from '../matrix/room-admin.ts';
import type { Logger } from '../observability/logger.ts';
import type { BookingFields, BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { RoomPoolStore } from '../store/room-pool-store.ts';
import { PeriodicPasses } from '../shared/periodic-passes.ts';
import { ROOM_BASE } from './booking-room.ts';

export interface RoomPoolDeps {
  admin: RoomAdmin;
  store: RoomPoolStore;
  bookings: BookingsStore;
  /** ROOM_POOL_SIZE: rooms kept ready (0: every PUT creates its room). */
  size: number;
  logger: Logger;
}

/** Also every so often: a pass that failed (Synapse away) is tried again even with no booking coming. */
const TOP_UP_EVERY_MS = 60_000;

export class RoomPool {
  private readonly deps: RoomPoolDeps;
  private readonly passes: PeriodicPasses;
  /**
   * A room made whose row the database refused: recorded by the next pass, not made again (a
   * process that dies first leaves it, empty, in Synapse).
   */
  private unrecorded: string | undefined;

  constructor(deps: RoomPoolDeps) {
    this.deps = deps;
    this.passes = new PeriodicPasses({ name: 'room pool top-up', everyMs: TOP_UP_EVERY_MS, pass: () => this.fill(), logger: deps.logger });
  }

  /**
   * Stores the new booking with a ready room: its row, or undefined when the pool is empty,
   * `taken` when another process stored this booking first.
   */
  async claim(bookingId: string, fields: BookingFields): Promise<BookingRow | 'taken' | undefined> {
    if (this.deps.size === 0) return undefined;
    const claimed = await this.deps.bookings.insertWithPooledRoom(bookingId, fields, this.deps.store);
    this.passes.kick();
    return claimed;
  }

  start(): void {
    if (this.deps.size > 0) this.passes.start();
  }

  /** Tops the pool up now (Synapse is back), in the background. */
  refill(): void {
    this.passes.kick();
  }

  /** Once no top-up is under way or due (tests and the bench wait on it). */
  settled(): Promise<void> {
    return this.passes.settled();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  private async fill(): Promise<void> {
    const { admin, store, size } = this.deps;
    while (this.passes.started && (await store.size()) < size) {
      this.unrecorded ??= await onHomeserver(() => admin.createUnclaimed({ ...ROOM_BASE }));
      await store.add(this.unrecorded);
      this.unrecorded = undefined;
    }
  }
}
