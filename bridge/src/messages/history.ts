// chat:history: a booking's messages, paging backwards from the read model, and on into
// Synapse for anything older than the read model holds (after its retention dropped them, or
// for rooms older than the read model). Cursors of the Synapse pages are `mx:` + its token;
// messages read from Synapse carry cursor "0": they are history only, never in `sync`.
import type { BookingAccess } from '../bookings/access.ts';
import { fromMatrixError, isBadRequest } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import { AppError } from '../protocol/errors.ts';
import type { ChatHistoryRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageRow } from '../store/rows.ts';
import { eventToRow } from './event-to-row.ts';
import type { MessageStates } from './message-states.ts';
import type { EventSenders } from './event-senders.ts';

const SYNAPSE_CURSOR = 'mx:';

export interface HistoryPage {
  messages: Message[];
  before?: string;
}

export interface MessageHistoryDeps {
  access: BookingAccess;
  messages: MessagesStore;
  homeserver: Homeserver;
  senders: EventSenders;
  states: MessageStates;
  /** Messages created before this may be missing from the read model (null: none are). */
  horizon: () => Promise<Date | null>;
  /** The senders a user blocked: left out of the Synapse pages, as the read model's statements leave them out. */
  blockedBy: (userId: string) => Promise<string[]>;
}

export class MessageHistory {
  private readonly deps: MessageHistoryDeps;

  constructor(deps: MessageHistoryDeps) {
    this.deps = deps;
  }

  /** Oldest first; `before` is set when older messages may exist. */
  async page(userId: string, request: ChatHistoryRequest): Promise<HistoryPage> {
    if (request.before?.startsWith(SYNAPSE_CURSOR)) {
      const booking = await this.deps.access.requireMember(userId, request.bookingId);
      return this.fromSynapse(userId, booking, { from: request.before.slice(SYNAPSE_CURSOR.length) }, request.limit);
    }
    const read = await this.deps.messages.history(userId, request.bookingId, request.before, request.limit + 1);
    const booking = this.deps.access.check(userId, read.booking);
    const rows = read.rows;
    const hasMore = rows.length > request.limit;
    const page = await this.deps.states.render(hasMore ? rows.slice(1) : rows, userId);
    if (hasMore) return { messages: page, before: page[0]!.cursor };
    if (!(await this.mayHoldOlder(booking))) return { messages: page };
    const older = await this.fromSynapse(userId, booking, { beforeEventId: page[0]?.id }, request.limit - page.length);
    return { messages: [...older.messages, ...page], before: older.before };
  }

  private async mayHoldOlder(booking: BookingRow): Promise<boolean> {
    const horizon = await this.deps.horizon();
    return horizon !== null && new Date(booking.created_at) < horizon;
  }

  private async fromSynapse(
    userId: string,
    booking: BookingRow,
    position: { from?: string; beforeEventId?: string },
    limit: number,
  ): Promise<HistoryPage> {
    if (limit <= 0) return { messages: [], before: undefined };
    let page;
    try {
      page = await this.deps.homeserver.messagesBefore(booking.room_id, position, limit);
    } catch (error) {
      // Refused parameters can only be the `mx:` cursor the client gave: the bridge's own positions are sound.
      if (position.from && isBadRequest(error)) throw new AppError('invalid', 'before: a cursor');
      throw fromMatrixError(error);
    }
    const blocked = new Set(await this.deps.blockedBy(userId));
    const rows: MessageRow[] = [];
    for (const event of page.events) {
      const row = eventToRow(event, booking.booking_id, await this.deps.senders.resolve(event.sender, booking));
      if (row && !blocked.has(row.sender_id)) rows.unshift({ ...row, seq: '0' });
    }
    const messages = await this.deps.states.render(rows, userId);
    const exhausted = page.received < limit || !page.end;
    return { messages, before: exhausted ? undefined : `${SYNAPSE_CURSOR}${page.end}` };
  }
}
