// What the demo shows, kept from the SDK's events: the chats, each chat's messages by id, who is
// typing, and how far the other side has read. The SDK hands each message once, and each change
// (edit, reactions, a quoted original edited or deleted) as the whole message to replace; keying
// by id also makes a history page that overlaps live messages harmless.
import type { Chat, ChatClient, Message, OutboxEntry, FailedSend } from '@booking-chat/client';

/** One line of a conversation: a stored message, or a send still in the outbox, or one refused. */
export type Line = { state: 'sent'; message: Message } | { state: 'pending'; entry: OutboxEntry } | { state: 'failed'; entry: FailedSend };

const TYPING_TIMEOUT_MS = 25_000;

export class ChatState {
  readonly chats = new Map<string, Chat>();
  private readonly messages = new Map<string, Map<string, Message>>();
  private readonly typing = new Map<string, Map<string, number>>();
  /** The newest message each chat's counterpart has read. */
  private readonly readUpTo = new Map<string, string>();
  openChat: string | undefined;
  private readonly client: ChatClient;
  private readonly me: string;
  private readonly changed: () => void;

  constructor(client: ChatClient, me: string, changed: () => void) {
    this.client = client;
    this.me = me;
    this.changed = changed;
    client.on('message', (message) => this.add(message));
    client.on('message:updated', (message) => this.replace(message));
    client.on('message:deleted', ({ bookingId, messageId }) => {
      this.messages.get(bookingId)?.delete(messageId);
      changed();
    });
    client.on('chat:updated', (chat) => {
      this.chats.set(chat.bookingId, chat);
      changed();
    });
    client.on('typing', ({ bookingId, userId, typing }) => this.setTyping(bookingId, userId, typing));
    client.on('receipt', ({ bookingId, userId, messageId }) => {
      if (userId === me) return;
      this.readUpTo.set(bookingId, messageId);
      changed();
    });
    client.on('outbox', changed);
    client.on('status', changed);
  }

  async loadChats(): Promise<void> {
    for (const chat of await this.client.chats()) this.chats.set(chat.bookingId, chat);
    this.changed();
  }

  async open(bookingId: string): Promise<void> {
    this.openChat = bookingId;
    this.changed();
    const { messages } = await this.client.history(bookingId);
    for (const message of messages) this.store(message);
    this.changed();
    await this.markRead();
  }

  /** Newest activity first, as the server orders them. */
  chatList(): Chat[] {
    return [...this.chats.values()].sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
  }

  lines(bookingId: string): Line[] {
    const sent = [...(this.messages.get(bookingId)?.values() ?? [])].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const delivered = new Set(sent.map((message) => message.clientId));
    return [
      ...sent.map((message): Line => ({ state: 'sent', message })),
      ...this.client.failed(bookingId).map((entry): Line => ({ state: 'failed', entry })),
      ...this.client
        .pending(bookingId)
        .filter((entry) => !delivered.has(entry.clientId))
        .map((entry): Line => ({ state: 'pending', entry })),
    ];
  }

  message(bookingId: string, messageId: string): Message | undefined {
    return this.messages.get(bookingId)?.get(messageId);
  }

  typingIn(bookingId: string): string[] {
    const chat = this.chats.get(bookingId);
    return [...(this.typing.get(bookingId)?.keys() ?? [])].map((userId) =>
      userId === 'support' ? 'Support' : (chat?.members.find((member) => member.id === userId)?.name ?? userId),
    );
  }

  /** The id of my newest message the counterpart has read, if any. */
  seenMessage(bookingId: string): string | undefined {
    const read = this.readUpTo.get(bookingId);
    const readAt = read && this.messages.get(bookingId)?.get(read)?.createdAt;
    if (!readAt) return undefined;
    const mine = this.lines(bookingId).flatMap((line) =>
      line.state === 'sent' && line.message.sender.id === this.me && line.message.createdAt <= readAt ? [line.message.id] : [],
    );
    return mine.at(-1);
  }

  /** Tells the others (and my other devices) I have read the open chat up to its newest message. */
  async markRead(): Promise<void> {
    const bookingId = this.openChat;
    if (!bookingId || this.client.status !== 'online' || document.hidden) return;
    const newest = this.lines(bookingId).findLast((line) => line.state === 'sent');
    const chat = this.chats.get(bookingId);
    if (!newest || newest.state !== 'sent' || !chat) return;
    this.chats.set(bookingId, { ...chat, unreadCount: 0 });
    await this.client.markRead(bookingId, newest.message.id);
  }

  private add(message: Message): void {
    this.store(message);
    const chat = this.chats.get(message.bookingId);
    if (chat) {
      const unseen = message.sender.id !== this.me && this.openChat !== message.bookingId;
      this.chats.set(message.bookingId, {
        ...chat,
        lastMessage: message,
        lastActivityAt: message.createdAt,
        unreadCount: chat.unreadCount + (unseen ? 1 : 0),
      });
    }
    this.setTyping(message.bookingId, message.sender.id, false);
    if (this.openChat === message.bookingId && message.sender.id !== this.me) void this.markRead().catch(() => undefined);
  }

  /** A newer version of a message: only for one held (an update of an older one is not a new message). */
  private replace(message: Message): void {
    const chat = this.chats.get(message.bookingId);
    const last = chat?.lastMessage?.id === message.id;
    if (last) this.chats.set(message.bookingId, { ...chat, lastMessage: message });
    const held = this.messages.get(message.bookingId)?.has(message.id) ?? false;
    if (held) this.store(message);
    if (last || held) this.changed();
  }

  private store(message: Message): void {
    let chat = this.messages.get(message.bookingId);
    if (!chat) this.messages.set(message.bookingId, (chat = new Map()));
    chat.set(message.id, message);
  }

  private setTyping(bookingId: string, userId: string, typing: boolean): void {
    let chat = this.typing.get(bookingId);
    if (!chat) this.typing.set(bookingId, (chat = new Map()));
    clearTimeout(chat.get(userId));
    chat.delete(userId);
    // The server ends typing after 20 s without renewal; a lost "stopped" must not show for ever.
    if (typing && userId !== this.me)
      chat.set(
        userId,
        window.setTimeout(() => this.setTyping(bookingId, userId, false), TYPING_TIMEOUT_MS),
      );
    this.changed();
  }
}
