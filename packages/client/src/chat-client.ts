// createChatClient: one object for an app's chats. It wires the connection (reconnection and
// tokens), the catch-up (cursor and de-duplication) and the outbox (sends that survive
// disconnects and restarts), and turns the protocol's events into the app's.
import type { PayloadOf, RequestName, ResultOf, ServerToClientEvents } from '../../../bridge/src/protocol/events.ts';
import type { Chat, Message } from '../../../bridge/src/protocol/types.ts';
import type { BackoffOptions } from './backoff.ts';
import { CatchUp, type Deletion } from './catch-up.ts';
import { ChatError } from './chat-error.ts';
import { Connection, type ChatStatus } from './connection.ts';
import { Emitter } from './emitter.ts';
import { uploadImage, type NativeFile, type UploadProgress } from './image-upload.ts';
import { KnownMessages, type ReactionChange } from './known-messages.ts';
import { Outbox, type FailedSend, type OutboxEntry, type SavedOutbox } from './outbox.ts';
import { memoryStorage, StoredValue, type ChatStorage } from './storage.ts';

export interface ChatClientOptions {
  /** The bridge's base URL, e.g. `https://chat.example.com` (Socket.io and REST). */
  url: string;
  /** The user's JWT. Called before the first connection and again whenever the server refuses or expires the last one. */
  token: () => Promise<string> | string;
  /** Where the outbox and the sync cursor live (default: `memoryStorage()`). One signed-in user per storage. */
  storage?: ChatStorage;
  /** Prefix of the storage keys (default `booking-chat`): lets one storage hold several users. */
  storageKey?: string;
  /** Delays between connection attempts (default 0.5 s doubling to 30 s, with jitter). */
  reconnect?: BackoffOptions;
  /** Delays between retries of a send refused without `retryAfter` (default as `reconnect`). */
  retry?: BackoffOptions;
  /** Socket.io transports (default WebSocket only, which React Native needs). */
  transports?: ('websocket' | 'polling')[];
  /** How long a request may wait for its answer (default 15 s). */
  requestTimeoutMs?: number;
  /** How long a send may wait for its answer (default 20 s: the server answers within 15 s). */
  sendTimeoutMs?: number;
  /** How long the server may take to accept a refreshed token (default 5 s). */
  refreshTimeoutMs?: number;
  /** How long after a live message a sync moves the stored cursor past it (default 1 s). */
  trailingSyncMs?: number;
}

type ServerEvent<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];
export type TypingEvent = ServerEvent<'typing'>;
export type ReceiptEvent = ServerEvent<'receipt'>;

export interface ChatEvents {
  /** Every message of the user's chats (their own included), once per id: live, caught up, or acknowledged. */
  message: (message: Message) => void;
  /**
   * A message changed (edited, reacted to, or the message it replies to was edited or deleted):
   * the whole message as it now is. Replace your copy by id; ignore it if you have none.
   */
  'message:updated': (message: Message) => void;
  /** Its sender or staff deleted a message: drop it (may come twice: live and by sync). */
  'message:deleted': (deletion: Deletion) => void;
  /** Someone gave or took back a reaction; `mine` when it was the connected user. The message follows as `message:updated`. */
  reaction: (change: ReactionChange) => void;
  typing: (event: TypingEvent) => void;
  receipt: (event: ReceiptEvent) => void;
  'chat:updated': (chat: Chat) => void;
  /** The user was taken off that booking: drop the chat (nothing of it arrives any more). */
  'chat:removed': (event: ServerEvent<'chat:removed'>) => void;
  status: (status: ChatStatus) => void;
  /** The outbox changed: read `pending()` and `failed()` again. */
  outbox: () => void;
  /** A send was refused for good (also for sends queued before a restart, whose promise is gone). */
  'send:failed': (failure: FailedSend) => void;
}

export interface SendOptions {
  /** The id of a message of the same chat that this one answers (the server checks it: `not_found`). */
  replyTo?: string;
}

export interface SendImageOptions {
  caption?: string;
  onProgress?: (progress: UploadProgress) => void;
  /** Reuse to retry an upload whose answer was lost: the server returns the first message. */
  clientId?: string;
  /** The file name sent with a Blob (default `image`). */
  filename?: string;
}

export interface ChatClient {
  readonly status: ChatStatus;
  /** The connected user's id (the `sub` of the app's token), once the client has asked for a token. */
  readonly userId: string | undefined;
  on<K extends keyof ChatEvents>(event: K, listener: ChatEvents[K]): () => void;
  off<K extends keyof ChatEvents>(event: K, listener: ChatEvents[K]): void;
  /** Connects (and keeps reconnecting); resolves once connected and caught up. */
  connect(): Promise<void>;
  /** Queued at once (and kept in storage) whether online or not; resolves with the stored message. */
  send(bookingId: string, text: string, options?: SendOptions): Promise<Message>;
  /** Your own text message, whole new text; resolves with the message as it now is. Not queued: offline it rejects. */
  editMessage(bookingId: string, messageId: string, text: string): Promise<Message>;
  /** Deletes your own message for everyone. Not queued: offline it rejects. */
  deleteMessage(bookingId: string, messageId: string): Promise<void>;
  /** Adds your reaction (`key` is one emoji); again is a no-op. Not queued: offline it rejects. */
  react(bookingId: string, messageId: string, key: string): Promise<void>;
  /** Takes your reaction back; one you did not give is a no-op. */
  unreact(bookingId: string, messageId: string, key: string): Promise<void>;
  /** Sends not acknowledged yet, oldest first. */
  pending(bookingId?: string): OutboxEntry[];
  /** Sends refused for good, kept for the app to show; `dismissFailed` forgets one. */
  failed(bookingId?: string): FailedSend[];
  dismissFailed(clientId: string): Promise<void>;
  sendImage(bookingId: string, image: Blob | NativeFile, options?: SendImageOptions): Promise<Message>;
  history(bookingId: string, options?: { before?: string; limit?: number }): Promise<{ messages: Message[]; before?: string }>;
  chats(): Promise<Chat[]>;
  markRead(bookingId: string, messageId: string): Promise<void>;
  setTyping(bookingId: string, typing: boolean): void;
  block(userId: string): Promise<void>;
  unblock(userId: string): Promise<void>;
  report(messageId: string, reason: string): Promise<{ reportId: string }>;
  /** Disconnects and stops; pending sends stay in storage (their promises reject with `closed`). */
  close(): Promise<void>;
}

const LIVE_EVENTS = ['typing', 'receipt', 'chat:updated', 'chat:removed'] as const;

/** Messages kept whole to turn changes into updated messages (and ids kept to hand each message once). */
const MESSAGES_KEPT = 10_000;

export function createChatClient(options: ChatClientOptions): ChatClient {
  const storage = options.storage ?? memoryStorage();
  const prefix = options.storageKey ?? 'booking-chat';
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const events = new Emitter<ChatEvents>();
  const url = options.url.replace(/\/+$/, '');

  const request = <E extends RequestName>(event: E, payload: PayloadOf<E>): Promise<ResultOf<E>> =>
    connection.request(event, payload, requestTimeoutMs);

  const known = new KnownMessages(MESSAGES_KEPT);
  const emitUpdated = (message: Message) => {
    events.emit('message:updated', message);
    // Replies show the start of the original's text: an edit changes the replies' previews too.
    if (message.editedAt !== undefined) for (const reply of known.repliesEdited(message)) events.emit('message:updated', reply);
  };
  const updated = (message: Message) => {
    const changed = known.update(message);
    if (changed) emitUpdated(changed);
  };
  const deleted = (deletion: Deletion) => {
    const replies = known.deleted(deletion.messageId);
    events.emit('message:deleted', deletion);
    for (const reply of replies) events.emit('message:updated', reply);
  };

  const catchUp = new CatchUp({
    cursor: new StoredValue<string>(storage, `${prefix}:cursor`),
    page: (since) => request('sync', since === undefined ? {} : { since }),
    newest: async () => {
      const cursors = (await request('chats:list', {})).chats.flatMap((chat) =>
        chat.lastMessage ? [BigInt(chat.lastMessage.cursor)] : [],
      );
      return cursors.length === 0 ? undefined : String(cursors.reduce((a, b) => (a > b ? a : b)));
    },
    message: (message) => {
      known.remember(message);
      events.emit('message', message);
    },
    updated,
    deleted,
    seenLimit: MESSAGES_KEPT,
    trailingSyncMs: options.trailingSyncMs ?? 1_000,
  });

  const outbox = new Outbox({
    saved: new StoredValue<SavedOutbox>(storage, `${prefix}:outbox`),
    send: async (entry) =>
      (
        await connection.request(
          'message:send',
          { bookingId: entry.bookingId, clientId: entry.clientId, text: entry.text, replyTo: entry.replyTo },
          options.sendTimeoutMs ?? 20_000,
        )
      ).message,
    sent: (message) => catchUp.deliver(message),
    failed: (failure) => events.emit('send:failed', failure),
    changed: () => events.emit('outbox'),
    retry: options.retry ?? options.reconnect,
  });

  const connection: Connection = new Connection({
    url,
    token: options.token,
    reconnect: options.reconnect,
    transports: options.transports ?? ['websocket'],
    refreshTimeoutMs: options.refreshTimeoutMs ?? 5_000,
    prepare: async () => {
      await outbox.loaded;
      await catchUp.sync();
    },
    onStatus: (status) => {
      if (status === 'online') outbox.resume();
      else outbox.suspend();
      events.emit('status', status);
    },
  });

  connection.socket.on('message', (message) => catchUp.live(message));
  connection.socket.on('message:edited', (message) => {
    updated(message);
    catchUp.follow();
  });
  connection.socket.on('message:deleted', (deletion) => {
    deleted(deletion);
    catchUp.follow();
  });
  connection.socket.on('reaction', (event) => {
    const change: ReactionChange = { ...event, mine: event.userId === connection.userId };
    events.emit('reaction', change);
    const message = known.react(change);
    if (message) events.emit('message:updated', message);
    catchUp.follow();
  });
  for (const name of LIVE_EVENTS) {
    (connection.socket.on as (event: string, listener: (payload: unknown) => void) => void)(name, (payload) =>
      (events.emit as (event: string, payload: unknown) => void)(name, payload),
    );
  }

  return {
    get status() {
      return connection.status;
    },
    get userId() {
      return connection.userId;
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    connect: () => connection.start(),
    send: (bookingId, text, sendOptions = {}) => outbox.add(bookingId, text, sendOptions.replyTo),
    async editMessage(bookingId, messageId, text) {
      const { message } = await request('message:edit', { bookingId, messageId, text });
      updated(message);
      return known.get(message.id) ?? message;
    },
    async deleteMessage(bookingId, messageId) {
      await request('message:delete', { bookingId, messageId });
      deleted({ bookingId, messageId });
    },
    async react(bookingId, messageId, key) {
      await request('message:react', { bookingId, messageId, key });
    },
    async unreact(bookingId, messageId, key) {
      await request('message:unreact', { bookingId, messageId, key });
    },
    pending: (bookingId) => outbox.pending(bookingId),
    failed: (bookingId) => outbox.failed(bookingId),
    dismissFailed: (clientId) => outbox.dismiss(clientId),
    async sendImage(bookingId, image, imageOptions = {}) {
      const upload = async () =>
        uploadImage({
          endpoint: `${url}/api/v1/bookings/${encodeURIComponent(bookingId)}/images`,
          token: await connection.currentToken(),
          image,
          caption: imageOptions.caption,
          clientId: imageOptions.clientId ?? globalThis.crypto.randomUUID(),
          filename: imageOptions.filename ?? 'image',
          onProgress: imageOptions.onProgress,
        });
      const message = await upload().catch((error: unknown) => {
        if (!(error instanceof ChatError && error.code === 'unauthorized')) throw error;
        // The token expired since the socket connected: once more with a fresh one.
        connection.forgetToken();
        return upload();
      });
      catchUp.deliver(message);
      return message;
    },
    async history(bookingId, page = {}) {
      const { messages, before } = await request('chat:history', { bookingId, ...page });
      for (const message of messages) known.remember(message);
      return before === undefined ? { messages } : { messages, before };
    },
    chats: async () => (await request('chats:list', {})).chats,
    async markRead(bookingId, messageId) {
      await request('message:read', { bookingId, messageId });
    },
    setTyping: (bookingId, typing) => connection.signal('typing', { bookingId, typing }),
    async block(userId) {
      await request('user:block', { userId });
    },
    async unblock(userId) {
      await request('user:unblock', { userId });
    },
    async report(messageId, reason) {
      const { reportId } = await request('message:report', { messageId, reason });
      return { reportId };
    },
    async close() {
      await connection.close();
      await Promise.all([outbox.close(), catchUp.close()]);
    },
  };
}
