// chat:history: a booking's messages, paging backwards from the read model.
import type { BookingAccess } from '../bookings/access.ts';
import type { ChatHistoryRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import { rowToMessage } from './row-to-message.ts';

export class MessageHistory {
  private readonly access: BookingAccess;
  private readonly messages: MessagesStore;

  constructor(access: BookingAccess, messages: MessagesStore) {
    this.access = access;
    this.messages = messages;
  }

  /** Oldest first; `before` is set when older messages may exist. */
  async page(userId: string, request: ChatHistoryRequest): Promise<{ messages: Message[]; before?: string }> {
    await this.access.requireMember(userId, request.bookingId);
    const rows = await this.messages.history(request.bookingId, request.before, request.limit + 1);
    const hasMore = rows.length > request.limit;
    const page = (hasMore ? rows.slice(1) : rows).map(rowToMessage);
    return hasMore ? { messages: page, before: page[0]!.cursor } : { messages: page };
  }
}
