// A booking's chat lifecycle: PUT /bookings/:id creates its room with the customer and the
// artist in it, or brings an existing one up to date. Idempotent. The bookings row is written
// first, so access follows the booking at once; the room follows the row (room-sync.ts), and a
// PUT that failed half-way is finished by the next one, or by the repair pass. A new booking
// takes a room made ahead (room-pool.ts) and answers before its members are in: the room follows
// right after, and whatever needs them there waits for it (ready()).
import { matrixFailureOf, onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { RoomAdmin } from '../matrix/room-admin.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import { isMember, membersOf } from './members.ts';
import { closedAt, closesAtFor } from './chat-closing.ts';
import type { ChatCloser } from './chat-closer.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { BookingUpsert } from '../protocol/schemas.ts';
import type { BookingFields, BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import { announceChat, type ChatList } from './chat-list.ts';
import type { RoomSync } from './room-sync.ts';
import type { RoomPool } from './room-pool.ts';
import { bookingRoomOptions } from './booking-room.ts';

/** Rows left behind their room that one repair pass takes on (normally there are none). */
const REPAIR_BATCH = 1000;

export interface BookingChatsDeps {
  homeserver: Homeserver;
  admin: RoomAdmin;
  sync: RoomSync;
  pool: RoomPool;
  bookings: BookingsStore;
  users: UsersStore;
  chats: ChatList;
  delivery: UserDelivery;
  closer: ChatCloser;
  /** CHAT_CLOSE_AFTER_HOURS */
  closeAfterHours: number;
  logger: Logger;
}

/** What a PUT did to the row (the room follows it either way); `claimed`: stored with a room from the pool. */
type Outcome = 'created' | 'changed' | 'same' | { claimed: BookingRow };

export interface UpsertResult {
  booking: BookingRow;
  created: boolean;
}

export class BookingChats {
  private readonly deps: BookingChatsDeps;
  /** Work on one booking runs one step after another in this process (other processes: see RoomSync). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(deps: BookingChatsDeps) {
    this.deps = deps;
  }

  upsert(bookingId: string, request: BookingUpsert): Promise<UpsertResult> {
    return this.serially(bookingId, () => this.upsertNow(bookingId, request));
  }

  /** Finishes every room left behind its row (at start-up, when Synapse is back); never rejects. */
  async repairUnsynced(): Promise<void> {
    const { bookings, sync, logger } = this.deps;
    let behind: string[];
    try {
      behind = await bookings.matrixUnsynced(REPAIR_BATCH);
    } catch (err) {
      logger.warn({ err }, 'booking rooms not checked for unfinished changes');
      return;
    }
    for (const bookingId of behind) {
      try {
        await this.serially(bookingId, async () => {
          const { booking, wasBehind } = await sync.bringInLine(bookingId);
          if (wasBehind) await this.announce(booking);
        });
        logger.info({ bookingId }, 'booking room brought in line with its booking');
      } catch (err) {
        logger.warn({ err, bookingId }, 'booking room still behind its booking: the next PUT or repair pass finishes it');
        // The homeserver is away: the rest would each fail the same way; its recovery runs the pass again.
        if (err instanceof AppError && err.code === 'unavailable') return;
      }
    }
  }

  /** Once the work under way on every booking has ended (on stop: a new room's sync runs after its PUT answered). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled(this.queues.values());
  }

  private serially<T>(bookingId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(bookingId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(bookingId, next);
    void next
      .finally(() => {
        if (this.queues.get(bookingId) === next) this.queues.delete(bookingId);
      })
      .catch(() => undefined);
    return next;
  }

  private async upsertNow(bookingId: string, request: BookingUpsert): Promise<UpsertResult> {
    // Independent of each other: at once, so a new booking waits for one registration, not two.
    const [, , existing] = await Promise.all([
      this.ensureUser(request.customer.id, request.customer.name),
      this.ensureUser(request.artist.id, request.artist.name),
      this.deps.bookings.get(bookingId),
    ]);
    const now = new Date();
    const status = request.status ?? null;
    const fields: BookingFields = {
      customer_id: request.customer.id,
      artist_id: request.artist.id,
      title: request.title ?? null,
      status,
      starts_at: request.startsAt ? new Date(request.startsAt) : null,
      closes_at: closesAtFor(status, existing?.closes_at ?? null, now, this.deps.closeAfterHours),
    };
    const outcome = existing ? await this.update(existing, fields) : await this.create(bookingId, fields);
    if (typeof outcome === 'object') return this.claimed(outcome.claimed, now);
    // Also when nothing changed: an earlier PUT may have stopped half-way.
    const { booking, wasBehind } = await this.deps.sync.bringInLine(bookingId);
    if (outcome !== 'same' || wasBehind) await this.announce(booking);
    await this.followClosing(existing, booking, now);
    return { booking, created: outcome === 'created' };
  }

  /**
   * Waits until the booking's room has had its members in at least once (a room from the pool
   * gets them just after the PUT that took it answered): before a member writes to it.
   */
  async ready(booking: BookingRow): Promise<void> {
    // Never brought in line (rows from before migration 008 have nothing to bring: both 0).
    const never = booking.matrix_synced_version === 0 && booking.matrix_version > 0;
    if (!never) return;
    await this.roomInLine(booking.booking_id);
  }

  /** After the work queued on this booking in this process (a PUT, the sync after a claim). */
  private roomInLine(bookingId: string): Promise<unknown> {
    return this.serially(bookingId, () => this.deps.sync.bringInLine(bookingId));
  }

  /** The chat exists for its members at once; its room follows right after this answer. */
  private async claimed(booking: BookingRow, now: Date): Promise<UpsertResult> {
    this.deps.logger.info({ bookingId: booking.booking_id, roomId: booking.room_id }, 'booking chat created with a room from the pool');
    void this.roomInLine(booking.booking_id).catch((err: unknown) =>
      this.deps.logger.warn(
        { err, bookingId: booking.booking_id },
        'new booking room not in line yet: the first send, the next PUT or the repair pass finishes it',
      ),
    );
    await this.announce(booking);
    await this.followClosing(undefined, booking, now);
    return { booking, created: true };
  }

  /**
   * A chat that closes now is announced before the PUT answers (also when a retried PUT finds it
   * not yet announced); one that closes later, when its time comes; a closed one reopened is told so.
   */
  private async followClosing(existing: BookingRow | undefined, booking: BookingRow, now: Date): Promise<void> {
    const { closer } = this.deps;
    if (booking.closes_at && booking.closes_at.getTime() <= now.getTime()) await closer.closeNow(booking.booking_id);
    else if (booking.closes_at) closer.wake(booking.closes_at);
    else if (existing && closedAt(existing, now)) await closer.announceReopened(booking, existing.closes_at!);
  }

  /** Each member's apps get the chat as that member sees it. */
  private announce(booking: BookingRow): Promise<void> {
    return announceChat(this.deps.chats, this.deps.delivery, booking);
  }

  /**
   * The user is stored only once the homeserver has them: a PUT retried after an outage finishes
   * the job. Their name is stored (what apps see) before it goes to Synapse (the display name
   * staff see in Element), and a name Synapse refuses does not fail the booking: the next PUT
   * that names the user sets it (Synapse 1.163 answers 500 to a display name changed while its
   * previous change is still being applied to the user's rooms; docs/operations.md).
   */
  private async ensureUser(userId: string, name: string): Promise<void> {
    const { homeserver, users, logger } = this.deps;
    const known = await users.get(userId);
    if (known?.name === name && known.matrix_name === name) return;
    const intent = homeserver.intentFor(userId);
    if (!known) await onHomeserver(() => intent.ensureRegistered());
    await users.upsert({ user_id: userId, matrix_user_id: homeserver.ids.appUser(userId), name });
    try {
      await intent.setDisplayName(name);
    } catch (err) {
      logger.warn({ cause: matrixFailureOf(err), userId }, 'display name not taken by Synapse: the next PUT that names this user sets it');
      return;
    }
    await users.markMatrixName(userId, name);
  }

  /**
   * A room from the pool with the row, or, the pool empty, the room (found again by its alias when
   * an earlier attempt created it but never stored it), then the row. When another process
   * stored the booking first, this PUT updates it.
   */
  private async create(bookingId: string, fields: BookingFields): Promise<Outcome> {
    const { admin, bookings, pool, logger } = this.deps;
    const pooled = await pool.claim(bookingId, fields);
    if (pooled === 'taken') return this.update((await bookings.get(bookingId))!, fields);
    if (pooled) return { claimed: pooled };
    const invitees = membersOf(fields).map((id) => this.deps.homeserver.ids.appUser(id));
    const options = bookingRoomOptions({ booking_id: bookingId, title: fields.title });
    const roomId = await onHomeserver(() => admin.createOrFind(bookingId, options, invitees));
    if (!(await bookings.insert(bookingId, roomId, fields))) return this.update((await bookings.get(bookingId))!, fields);
    logger.info({ bookingId, roomId }, 'booking chat created');
    return 'created';
  }

  /**
   * Writes the row when the booking changed; who left is told at once (`chat:removed`): from
   * this moment nothing of the chat reaches them.
   */
  private async update(existing: BookingRow, fields: BookingFields): Promise<Outcome> {
    const membersChanged = existing.customer_id !== fields.customer_id || existing.artist_id !== fields.artist_id;
    const roomChanged = membersChanged || existing.title !== fields.title;
    const changed =
      roomChanged ||
      existing.status !== fields.status ||
      existing.starts_at?.getTime() !== fields.starts_at?.getTime() ||
      // Also a booking that ended before closing existed (migration 010), when its status comes again.
      existing.closes_at?.getTime() !== fields.closes_at?.getTime();
    if (!changed) return 'same';
    const booking = await this.deps.bookings.update(existing.booking_id, fields, roomChanged);
    const removed = membersOf(existing).filter((id) => !isMember(booking, id));
    this.deps.delivery.emit(removed, 'chat:removed', { bookingId: booking.booking_id });
    return 'changed';
  }
}
