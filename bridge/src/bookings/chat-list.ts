// chats:list and chat:updated: each booking's chat as one user sees it.
import type { MessageStates } from '../messages/message-states.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { Chat, ChatMember } from '../protocol/types.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import { closedAt } from './chat-closing.ts';
import { membersOf } from './members.ts';

/** Each member's apps get the chat as that member sees it (`chat:updated`). */
export async function announceChat(chats: ChatList, delivery: UserDelivery, booking: BookingRow): Promise<void> {
  for (const member of membersOf(booking)) delivery.emit([member], 'chat:updated', await chats.one(member, booking));
}

export class ChatList {
  private readonly bookings: BookingsStore;
  private readonly messages: MessagesStore;
  private readonly users: UsersStore;
  /** The last message as it now is (an edited one shows its new text). */
  private readonly states: MessageStates;

  constructor(bookings: BookingsStore, messages: MessagesStore, users: UsersStore, states: MessageStates) {
    this.bookings = bookings;
    this.messages = messages;
    this.users = users;
    this.states = states;
  }

  /** Every chat of the user, newest activity first. */
  async list(userId: string): Promise<Chat[]> {
    const chats = await this.chatsOf(userId, await this.bookings.listForUser(userId));
    return chats.sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
  }

  async one(userId: string, booking: BookingRow): Promise<Chat> {
    const [chat] = await this.chatsOf(userId, [booking]);
    return chat!;
  }

  private async chatsOf(userId: string, bookings: BookingRow[]): Promise<Chat[]> {
    const ids = bookings.map((b) => b.booking_id);
    const people = [...new Set(bookings.flatMap(membersOf))];
    const [latest, unread, users] = await Promise.all([
      this.messages.latestPerBooking(userId, ids),
      this.messages.unreadCounts(userId, ids),
      this.users.getMany(people),
    ]);
    const lastRows = [...latest.values()];
    const rendered = new Map((await this.states.render(lastRows, userId)).map((message) => [message.bookingId, message]));
    const now = new Date();
    return bookings.map((booking) => {
      const member = (id: string, role: ChatMember['role']): ChatMember => ({ id, role, name: users.get(id)?.name ?? id });
      const members = [member(booking.customer_id, 'customer'), member(booking.artist_id, 'artist')];
      const lastMessage = rendered.get(booking.booking_id) ?? null;
      return {
        bookingId: booking.booking_id,
        title: booking.title,
        status: booking.status,
        startsAt: booking.starts_at ? new Date(booking.starts_at).toISOString() : null,
        counterpart: members.find((m) => m.id !== userId) ?? members[1]!,
        members,
        lastMessage,
        unreadCount: unread.get(booking.booking_id) ?? 0,
        lastActivityAt: lastMessage?.createdAt ?? new Date(booking.created_at).toISOString(),
        ...closedSince(booking, now),
      };
    });
  }
}

function closedSince(booking: BookingRow, now: Date): Pick<Chat, 'closedAt'> {
  const at = closedAt(booking, now);
  return at ? { closedAt: at.toISOString() } : {};
}
