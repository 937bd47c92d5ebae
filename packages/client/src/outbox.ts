// Sends that the server has not acknowledged yet, kept in storage with the clientId they got
// when queued, and sent in order, chat by chat, whenever the client is online. The server
// de-duplicates by clientId, so a send retried after a lost acknowledgement (or after the app
// was killed) yields the message stored the first time.
import type { Message } from '../../../bridge/src/protocol/types.ts';
import { Backoff, pause, type BackoffOptions } from './backoff.ts';
import { ChatError, isFinalForSends, type ChatErrorCode } from './chat-error.ts';
import type { StoredValue } from './storage.ts';

export interface OutboxEntry {
  /** The message's UUID for the server, kept across retries, reconnects and restarts. */
  clientId: string;
  bookingId: string;
  text: string;
  /** The id of the message this one answers. */
  replyTo?: string;
  /** ISO time the app called send(). */
  queuedAt: string;
}

/** A send the server refused for good (e.g. `filtered`): out of the outbox, kept for the app to show. */
export interface FailedSend extends OutboxEntry {
  error: { code: ChatErrorCode; message: string; reason?: string };
  failedAt: string;
}

export interface SavedOutbox {
  pending: OutboxEntry[];
  failed: FailedSend[];
}

export interface OutboxOptions {
  saved: StoredValue<SavedOutbox>;
  /** One attempt: the stored message, or a ChatError. */
  send(entry: OutboxEntry): Promise<Message>;
  /** A send was acknowledged: its message goes to the app (once). */
  sent(message: Message): void;
  failed(failure: FailedSend): void;
  /** The pending or failed entries changed. */
  changed(): void;
  /** Waits between retries of sends refused without a `retryAfter`. */
  retry: BackoffOptions | undefined;
}

/** Failed records kept at most; the oldest go first. */
const FAILED_KEPT = 100;

interface Waiter {
  resolve(message: Message): void;
  reject(error: ChatError): void;
}

export class Outbox {
  readonly loaded: Promise<void>;
  private readonly options: OutboxOptions;
  private entries: OutboxEntry[] = [];
  private failures: FailedSend[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly draining = new Set<string>();
  private online: AbortController | undefined;
  private closed = false;

  constructor(options: OutboxOptions) {
    this.options = options;
    this.loaded = options.saved.read().then((saved) => {
      // Sends queued in this process before the stored ones were read come after them.
      this.entries = [...(saved?.pending ?? []), ...this.entries];
      this.failures = saved?.failed ?? [];
      options.changed();
    });
  }

  /** Queues a send (stored before this resolves to the caller's await); resolves once acknowledged. */
  async add(bookingId: string, text: string, replyTo?: string): Promise<Message> {
    if (this.closed) throw new ChatError('closed', 'the client was closed');
    const entry: OutboxEntry = {
      clientId: globalThis.crypto.randomUUID(),
      bookingId,
      text,
      ...(replyTo === undefined ? {} : { replyTo }),
      queuedAt: new Date().toISOString(),
    };
    const acknowledged = new Promise<Message>((resolve, reject) => this.waiters.set(entry.clientId, { resolve, reject }));
    // close() may reject it before it is handed to the caller: that is not an unhandled rejection.
    acknowledged.catch(() => undefined);
    this.entries.push(entry);
    await this.loaded;
    await this.save();
    this.drain(bookingId);
    return acknowledged;
  }

  pending(bookingId?: string): OutboxEntry[] {
    return this.entries.filter((entry) => bookingId === undefined || entry.bookingId === bookingId);
  }

  failed(bookingId?: string): FailedSend[] {
    return this.failures.filter((failure) => bookingId === undefined || failure.bookingId === bookingId);
  }

  /** The app has shown a failed send (or the user gave up on it): forget it. */
  async dismiss(clientId: string): Promise<void> {
    await this.loaded;
    this.failures = this.failures.filter((failure) => failure.clientId !== clientId);
    await this.save();
  }

  /** Online and caught up: send what waits. */
  resume(): void {
    this.online = new AbortController();
    for (const bookingId of new Set(this.entries.map((entry) => entry.bookingId))) this.drain(bookingId);
  }

  /** Offline: each chat stops after the attempt in flight (which fails as offline). */
  suspend(): void {
    this.online?.abort();
    this.online = undefined;
  }

  /** Stops sending; what is pending stays in storage for the next client on it. */
  async close(): Promise<void> {
    this.closed = true;
    this.suspend();
    for (const waiter of this.waiters.values())
      waiter.reject(new ChatError('closed', 'the client was closed; the send stays queued in storage'));
    this.waiters.clear();
    await this.options.saved.settled();
  }

  private drain(bookingId: string): void {
    if (!this.online || this.draining.has(bookingId)) return;
    this.draining.add(bookingId);
    void this.drainChat(bookingId, this.online.signal).finally(() => {
      this.draining.delete(bookingId);
      // It stopped for a connection that has since been replaced: carry on on the new one.
      if (this.online && this.pending(bookingId).length > 0) this.drain(bookingId);
    });
  }

  private async drainChat(bookingId: string, offline: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.retry);
    for (let entry = this.pending(bookingId)[0]; entry && !offline.aborted; entry = this.pending(bookingId)[0]) {
      try {
        const message = await this.options.send(entry);
        backoff.reset();
        await this.settle(entry, message);
      } catch (error) {
        const refusal = error instanceof ChatError ? error : new ChatError('internal', String(error));
        if (isFinalForSends(refusal)) await this.fail(entry, refusal);
        else if (refusal.code === 'offline' || refusal.code === 'closed') return;
        // rate_limited, unavailable, timeout, internal: the same clientId again, later.
        else await pause(refusal.retryAfter !== undefined ? refusal.retryAfter * 1000 : backoff.next(), offline);
      }
    }
  }

  private async settle(entry: OutboxEntry, message: Message): Promise<void> {
    this.remove(entry);
    await this.save();
    this.options.sent(message);
    this.waiters.get(entry.clientId)?.resolve(message);
    this.waiters.delete(entry.clientId);
  }

  private async fail(entry: OutboxEntry, error: ChatError): Promise<void> {
    this.remove(entry);
    const failure: FailedSend = {
      ...entry,
      error: { code: error.code, message: error.message, ...(error.reason === undefined ? {} : { reason: error.reason }) },
      failedAt: new Date().toISOString(),
    };
    this.failures = [...this.failures, failure].slice(-FAILED_KEPT);
    await this.save();
    this.options.failed(failure);
    this.waiters.get(entry.clientId)?.reject(error);
    this.waiters.delete(entry.clientId);
  }

  private remove(entry: OutboxEntry): void {
    this.entries = this.entries.filter((pending) => pending.clientId !== entry.clientId);
  }

  private save(): Promise<void> {
    const saved = this.options.saved.write({ pending: this.entries, failed: this.failures });
    this.options.changed();
    return saved;
  }
}
