// The room changes a booking's chat needs, each safe to repeat (a PUT retried after a failure,
// a repair at start-up, two processes at once). They go through the client's raw API, not the
// library's Intent helpers: those consult a membership cache that only the library's own event
// handling updates, and transactions bypass it here, so after a kick or a re-invite the cache
// says "joined" and the join is skipped (a known pitfall in the design notes, ../shared/DESIGN.md,
// kept outside this repository).
import { createHash } from 'node:crypto';
import { matrixFailureOf } from './errors.ts';
import type { Homeserver } from './homeserver.ts';

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

/** The aliases the bridge gives booking rooms; the registration claims them exclusively. */
export const BOOKING_ALIAS_PREFIX = 'booking_';

/** Synapse refused because the change is already made: that is success. */
async function alreadyDone(call: Promise<unknown>, done: RegExp): Promise<void> {
  try {
    await call;
  } catch (error) {
    const { errcode, message } = matrixFailureOf(error);
    if (errcode !== 'M_FORBIDDEN' || !done.test(message)) throw error;
  }
}

/** A state event as createRoom's initial_state takes it. */
export type StateEvent = { type: string; state_key: string; content: Record<string, unknown> };

/** Rooms this process has just created whose state nobody has read back yet (a bound, not a cache). */
const CREATED_KEPT = 256;

/** What a room this process created holds: exactly what the creation put in it. */
interface CreatedRoom {
  memberships: Map<string, Membership>;
  name: string | undefined;
}

export class RoomAdmin {
  private readonly homeserver: Homeserver;
  /**
   * The state of each room just created, answered once by memberships() and name() instead of
   * reading it back from Synapse: the sync that follows a creation (room-sync.ts) reads exactly
   * what the creation wrote, and nothing else can have touched the room in between (its booking's
   * work runs one step at a time; nobody else knows the room yet).
   */
  private readonly created = new Map<string, Partial<CreatedRoom>>();

  constructor(homeserver: Homeserver) {
    this.homeserver = homeserver;
  }

  /**
   * Creates a booking's room under an alias derived from the booking id, or, when the alias is
   * taken, returns the room that has it: a creation whose answer was lost (the process died, the
   * database refused the row) is found again on retry instead of leaving an orphan room.
   * `invitees` are invited by the creation itself, as member events of its initial state: Synapse
   * writes them in the one batch with the rest of the room's first state, where the `invite` list
   * would cost a separate event write each, one after the other.
   */
  async createOrFind(bookingId: string, options: Record<string, unknown>, invitees: string[] = []): Promise<string> {
    const aliasName = `${BOOKING_ALIAS_PREFIX}${createHash('sha256').update(bookingId).digest('hex').slice(0, 40)}`;
    const invites = invitees.map((userId) => ({ type: 'm.room.member', state_key: userId, content: { membership: 'invite' } }));
    const initialState = [...((options.initial_state as StateEvent[] | undefined) ?? []), ...invites];
    try {
      const roomId = await this.homeserver.bot.matrixClient.createRoom({
        ...options,
        initial_state: initialState,
        room_alias_name: aliasName,
      });
      this.remember(roomId, {
        memberships: new Map<string, Membership>([
          [this.homeserver.bot.userId, 'join'],
          ...invitees.map((userId) => [userId, 'invite'] as const),
        ]),
        name: typeof options.name === 'string' ? options.name : undefined,
      });
      return roomId;
    } catch (error) {
      if (matrixFailureOf(error).errcode !== 'M_ROOM_IN_USE') throw error;
      const alias = `#${aliasName}:${this.homeserver.ids.serverName}`;
      const found = await this.raw('GET', `/_matrix/client/v3/directory/room/${encodeURIComponent(alias)}`);
      this.created.delete(found.room_id as string);
      return found.room_id as string;
    }
  }

  /**
   * A room with no booking yet (bookings/room-pool.ts): the bot alone in it, no name, no alias.
   * Not remembered like a booking's room: any process may take it and bring its members in, so
   * what its creation wrote says nothing about it by the time this process syncs it.
   */
  createUnclaimed(options: Record<string, unknown>): Promise<string> {
    return this.homeserver.bot.matrixClient.createRoom(options);
  }

  private remember(roomId: string, room: CreatedRoom): void {
    this.created.set(roomId, { ...room });
    if (this.created.size > CREATED_KEPT) this.created.delete(this.created.keys().next().value!);
  }

  /** What the creation of this room put in it under `key`, once; undefined when not created here or already read. */
  private takeCreated<K extends keyof CreatedRoom>(roomId: string, key: K): { value: CreatedRoom[K] } | undefined {
    const room = this.created.get(roomId);
    if (!room || !(key in room)) return undefined;
    const value = room[key] as CreatedRoom[K];
    delete room[key];
    if (Object.keys(room).length === 0) this.created.delete(roomId);
    return { value };
  }

  /** Each user's membership as the room's current state has it (as the bot, who is always in). */
  async memberships(roomId: string): Promise<Map<string, Membership>> {
    const created = this.takeCreated(roomId, 'memberships');
    if (created) return created.value;
    const answer = await this.raw('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/members`);
    const chunk = (answer.chunk ?? []) as { state_key: string; content: { membership: Membership } }[];
    return new Map(chunk.map((event) => [event.state_key, event.content.membership]));
  }

  invite(roomId: string, matrixUserId: string): Promise<void> {
    return alreadyDone(
      this.raw('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: matrixUserId }),
      /already in the room/i,
    );
  }

  /** As the app user; joining a room one is already in succeeds. */
  async join(platformUserId: string, roomId: string): Promise<void> {
    await this.homeserver
      .intentFor(platformUserId)
      .matrixClient.doRequest('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, null, {});
  }

  kick(roomId: string, matrixUserId: string, reason: string): Promise<void> {
    return alreadyDone(
      this.raw('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: matrixUserId, reason }),
      /not in the room/i,
    );
  }

  async name(roomId: string): Promise<string | undefined> {
    const created = this.takeCreated(roomId, 'name');
    if (created) return created.value;
    try {
      const state = await this.raw('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.name/`);
      return state.name as string | undefined;
    } catch (error) {
      if (matrixFailureOf(error).errcode === 'M_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async setName(roomId: string, name: string): Promise<void> {
    await this.setState(roomId, { type: 'm.room.name', state_key: '', content: { name } });
  }

  async setState(roomId: string, event: StateEvent): Promise<void> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(event.type)}/${encodeURIComponent(event.state_key)}`;
    await this.raw('PUT', path, event.content);
  }

  private raw(method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.homeserver.bot.matrixClient.doRequest(method, path, null, body);
  }
}
