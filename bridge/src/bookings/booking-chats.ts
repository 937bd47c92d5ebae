// A booking's chat lifecycle: PUT /bookings/:id creates its room with the customer and the
// artist in it, or brings an existing one up to date. Idempotent.
import { onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Delivery } from '../messages/delivery.ts';
import { membersOf } from '../messages/road.ts';
import type { Logger } from '../observability/logger.ts';
import type { BookingUpsert } from '../protocol/schemas.ts';
import type { BookingFields, BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import type { ChatList } from './chat-list.ts';

export const BOOKING_STATE_EVENT = 'com.bookingchat.booking';

export interface BookingChatsDeps {
  homeserver: Homeserver;
  bookings: BookingsStore;
  users: UsersStore;
  chats: ChatList;
  delivery: Delivery;
  logger: Logger;
}

export interface UpsertResult {
  booking: BookingRow;
  created: boolean;
  /** Whether members' view of the chat changed (they are sent chat:updated). */
  changed: boolean;
}

export class BookingChats {
  private readonly deps: BookingChatsDeps;
  /** Upserts of one booking run one after another in this process (other processes: see create). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(deps: BookingChatsDeps) {
    this.deps = deps;
  }

  upsert(bookingId: string, request: BookingUpsert): Promise<UpsertResult> {
    const previous = this.queues.get(bookingId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.upsertNow(bookingId, request));
    this.queues.set(bookingId, next);
    void next.finally(() => {
      if (this.queues.get(bookingId) === next) this.queues.delete(bookingId);
    }).catch(() => undefined);
    return next;
  }

  private async upsertNow(bookingId: string, request: BookingUpsert): Promise<UpsertResult> {
    await this.ensureUser(request.customer.id, request.customer.name);
    await this.ensureUser(request.artist.id, request.artist.name);
    const fields: BookingFields = {
      customer_id: request.customer.id,
      artist_id: request.artist.id,
      title: request.title ?? null,
      status: request.status ?? null,
      starts_at: request.startsAt ? new Date(request.startsAt) : null,
    };
    const existing = await this.deps.bookings.get(bookingId);
    const result = existing ? await this.update(existing, fields) : await this.create(bookingId, fields);
    if (result.changed) await this.announce(result.booking);
    return result;
  }

  /** Each member's apps get the chat as that member sees it. */
  private async announce(booking: BookingRow): Promise<void> {
    for (const member of membersOf(booking)) {
      this.deps.delivery.emit([member], 'chat:updated', await this.deps.chats.one(member, booking));
    }
  }

  /** The user is stored only once the homeserver has them: a PUT retried after an outage finishes the job. */
  private async ensureUser(userId: string, name: string): Promise<void> {
    const { homeserver, users } = this.deps;
    if ((await users.get(userId))?.name === name) return;
    const intent = homeserver.intentFor(userId);
    await onHomeserver(async () => {
      await intent.ensureRegistered();
      await intent.setDisplayName(name);
    });
    await users.upsert({ user_id: userId, matrix_user_id: homeserver.ids.appUser(userId), name });
  }

  private async create(bookingId: string, fields: BookingFields): Promise<UpsertResult> {
    const { homeserver, bookings, logger } = this.deps;
    const roomId = await onHomeserver(() => this.createRoom(bookingId, fields));
    const inserted = await bookings.insert(bookingId, roomId, fields);
    if (inserted) {
      logger.info({ bookingId, roomId }, 'booking chat created');
      return { booking: inserted, created: true, changed: true };
    }
    // Another bridge process created this booking's room at the same time and stored it first.
    await onHomeserver(() => homeserver.bot.leave(roomId, 'duplicate booking room'));
    const winner = (await bookings.get(bookingId))!;
    return this.update(winner, fields);
  }

  /** A room with both members joined. */
  private async createRoom(bookingId: string, fields: BookingFields): Promise<string> {
    const { homeserver } = this.deps;
    const members = [fields.customer_id, fields.artist_id];
    const roomId: string = await homeserver.bot.matrixClient.createRoom({
      preset: 'private_chat',
      visibility: 'private',
      name: fields.title ?? `Booking ${bookingId}`,
      invite: members.map((id) => homeserver.ids.appUser(id)),
      creation_content: { 'm.federate': false },
      initial_state: [{ type: BOOKING_STATE_EVENT, state_key: '', content: { bookingId } }],
      // The bot creates the room, so it is its creator (all-powerful from room version 12 on).
      power_level_content_override: {
        // Members write and redact their own messages; only the bridge (and staff it promotes) moderates.
        state_default: 100,
        invite: 100,
        kick: 100,
        ban: 100,
        redact: 50,
      },
    });
    for (const id of members) await homeserver.intentFor(id).join(roomId);
    return roomId;
  }

  private async update(existing: BookingRow, fields: BookingFields): Promise<UpsertResult> {
    const changed =
      existing.customer_id !== fields.customer_id ||
      existing.artist_id !== fields.artist_id ||
      existing.title !== fields.title ||
      existing.status !== fields.status ||
      existing.starts_at?.getTime() !== fields.starts_at?.getTime();
    if (!changed) return { booking: existing, created: false, changed: false };
    await onHomeserver(() => this.updateRoom(existing, fields));
    const booking = await this.deps.bookings.update(existing.booking_id, fields);
    return { booking, created: false, changed: true };
  }

  /** Members in and out, and the room's name, as the booking now says. */
  private async updateRoom(existing: BookingRow, fields: BookingFields): Promise<void> {
    const { homeserver } = this.deps;
    const before = new Set([existing.customer_id, existing.artist_id]);
    const after = new Set([fields.customer_id, fields.artist_id]);
    for (const id of after) {
      if (before.has(id)) continue;
      await homeserver.bot.invite(existing.room_id, homeserver.ids.appUser(id));
      await homeserver.intentFor(id).join(existing.room_id);
    }
    for (const id of before) {
      if (!after.has(id)) await homeserver.bot.kick(existing.room_id, homeserver.ids.appUser(id), 'no longer on this booking');
    }
    if (fields.title && fields.title !== existing.title) await homeserver.bot.setRoomName(existing.room_id, fields.title);
  }
}
