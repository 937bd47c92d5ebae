// SDK clients as the tests' apps: a booking's customer and artist, each a createChatClient
// with a recorder of what it was handed, and barriers to wait on.
import { newBooking } from '../../../../bridge/test/support/booking-system.ts';
import { tokenFor } from '../../../../bridge/test/support/tokens.ts';
import {
  createChatClient,
  type ChatClient,
  type ChatClientOptions,
  type ChatStatus,
  type Deletion,
  type Message,
  type ReactionChange,
} from '../../src/index.ts';

/** Fast retries: the tests' outages last milliseconds, not minutes. */
export const QUICK = { reconnect: { minDelayMs: 20, maxDelayMs: 300 }, trailingSyncMs: 50 } as const;

export interface SdkApp {
  chat: ChatClient;
  userId: string;
  /** Every `message` event, in order. */
  received: Message[];
  /** Every `message:updated`, `message:deleted` and `reaction` event, in order. */
  updates: Message[];
  deletions: Deletion[];
  reactions: ReactionChange[];
  /** The app's own store, kept as the README says: added on `message`, replaced on `message:updated` (when held), dropped on `message:deleted`. */
  store: Map<string, Message>;
  /** Resolves once the predicate holds (checked at every event the app gets); rejects after `timeoutMs`. */
  waitFor(predicate: (received: Message[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves the next time (or now, if already) the client has this status. */
  status(status: ChatStatus, timeoutMs?: number): Promise<void>;
  /** How often the app was asked for a token. */
  tokensIssued(): number;
}

/** `store`: the app's store to start from (an app that keeps its messages across restarts). */
export function sdkApp(
  url: string,
  userId: string,
  role: 'customer' | 'artist',
  options: Partial<ChatClientOptions> = {},
  store = new Map<string, Message>(),
): SdkApp {
  let issued = 0;
  const chat = createChatClient({
    url,
    ...QUICK,
    ...options,
    token: async () => {
      issued++;
      return options.token ? options.token() : tokenFor(userId, { role });
    },
  });
  const received: Message[] = [];
  const updates: Message[] = [];
  const deletions: Deletion[] = [];
  const reactions: ReactionChange[] = [];
  const checks = new Set<() => void>();
  const recheck = () => checks.forEach((check) => check());
  chat.on('message', (message) => {
    received.push(message);
    store.set(message.id, message);
    recheck();
  });
  chat.on('message:updated', (message) => {
    updates.push(message);
    if (store.has(message.id)) store.set(message.id, message);
    recheck();
  });
  chat.on('message:deleted', (deletion) => {
    deletions.push(deletion);
    store.delete(deletion.messageId);
    recheck();
  });
  chat.on('reaction', (change) => {
    reactions.push(change);
    recheck();
  });
  chat.on('status', recheck);
  chat.on('outbox', recheck);
  const barrier = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        checks.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(new Error(`${userId}: ${what} not within ${timeoutMs} ms (status ${chat.status}, ${received.length} received)`));
      }, timeoutMs);
      checks.add(check);
      check();
    });
  return {
    chat,
    userId,
    received,
    updates,
    deletions,
    reactions,
    store,
    waitFor: (predicate, what, timeoutMs = 30_000) => barrier(() => predicate(received), what, timeoutMs),
    status: (status, timeoutMs = 30_000) => barrier(() => chat.status === status, `status ${status}`, timeoutMs),
    tokensIssued: () => issued,
  };
}

/** A new booking and its two sides as SDK apps (not connected yet). */
export async function bookingWithApps(bridgeUrl: string, appUrl = bridgeUrl, options: Partial<ChatClientOptions> = {}) {
  const booking = await newBooking(bridgeUrl);
  return {
    ...booking,
    customer: sdkApp(appUrl, booking.customer.id, 'customer', options),
    artist: sdkApp(appUrl, booking.artist.id, 'artist', options),
  };
}

/** How many times each text was handed to the app (only texts of this booking). */
export function countsByText(received: Message[], bookingId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of received) {
    if (message.bookingId === bookingId && message.text !== undefined) counts.set(message.text, (counts.get(message.text) ?? 0) + 1);
  }
  return counts;
}

export function texts(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
}
