// The socket's life: connect with a token from the app, prepare (catch up) before reporting
// online, reconnect with capped exponential backoff and jitter, and keep the token fresh.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, PayloadOf, RequestName, ResultOf, ServerToClientEvents } from '../../../bridge/src/protocol/events.ts';
import type { Ack } from '../../../bridge/src/protocol/types.ts';
import { Backoff, pause, type BackoffOptions } from './backoff.ts';
import { ChatError } from './chat-error.ts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ChatStatus = 'connecting' | 'online' | 'offline';

export interface ConnectionOptions {
  url: string;
  token: () => Promise<string> | string;
  reconnect: BackoffOptions | undefined;
  transports: ('websocket' | 'polling')[];
  /** How long the server may take to accept a refreshed token before the client reconnects with it. */
  refreshTimeoutMs: number;
  /** Runs on every new connection before it counts as online (the catch-up); throwing drops it. */
  prepare(): Promise<void>;
  onStatus(status: ChatStatus): void;
}

// The acknowledgement-with-timeout form of emit, without socket.io's per-event generics.
type TimedEmit = (event: string, payload: unknown, ack: (error: Error | null, response: Ack<object>) => void) => void;

export class Connection {
  readonly socket: ChatSocket;
  status: ChatStatus = 'offline';
  private readonly options: ConnectionOptions;
  private readonly stopping = new AbortController();
  private token: string | undefined;
  /** The signed-in user: the `sub` of the app's last token (undefined before the first). */
  userId: string | undefined;
  private running: Promise<void> | undefined;
  private reconnectAtOnce = false;
  private onlineWaiters: { resolve(): void; reject(error: ChatError): void }[] = [];

  constructor(options: ConnectionOptions) {
    this.options = options;
    // Reconnection is ours: socket.io's own would reuse a token that may have expired.
    this.socket = io(options.url, { autoConnect: false, reconnection: false, transports: options.transports });
    this.socket.on('auth:expired', () => void this.refreshToken());
  }

  /** Starts connecting (the first call only); resolves the next time the client is online. */
  start(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new ChatError('closed', 'the client was closed'));
    this.running ??= this.run();
    if (this.status === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => this.onlineWaiters.push({ resolve, reject }));
  }

  /** The app's token: the last one unless the server refused it. */
  async currentToken(): Promise<string> {
    if (this.token === undefined) {
      this.token = await this.options.token();
      this.userId = tokenSubject(this.token) ?? this.userId;
    }
    return this.token;
  }

  /** The next call of `currentToken` asks the app for a new one. */
  forgetToken(): void {
    this.token = undefined;
  }

  /** One request and its acknowledgement; `offline` when not connected, `timeout` without an answer. */
  request<E extends RequestName>(event: E, payload: PayloadOf<E>, timeoutMs: number): Promise<ResultOf<E>> {
    if (!this.socket.connected) return Promise.reject(new ChatError('offline', 'not connected'));
    return new Promise((resolve, reject) => {
      (this.socket.timeout(timeoutMs).emit as unknown as TimedEmit)(event, payload, (error, response) => {
        if (error)
          reject(
            this.socket.connected
              ? new ChatError('timeout', `no answer to ${event} within ${timeoutMs} ms`)
              : new ChatError('offline', 'disconnected before the answer'),
          );
        else if (response.ok) resolve(response as ResultOf<E>);
        else reject(ChatError.from(response.error));
      });
    });
  }

  /** Fire and forget, dropped when not connected (typing indicators: stale ones mean nothing). */
  signal<E extends RequestName>(event: E, payload: PayloadOf<E>): void {
    if (this.socket.connected) (this.socket.volatile.emit as unknown as (event: string, payload: unknown) => void)(event, payload);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.socket.disconnect();
    this.setStatus('offline');
    for (const waiter of this.onlineWaiters.splice(0)) waiter.reject(new ChatError('closed', 'the client was closed'));
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.reconnect);
    while (!this.stopping.signal.aborted) {
      this.setStatus('connecting');
      const delay = await this.session(backoff);
      if (this.stopping.signal.aborted) return;
      this.setStatus('offline');
      await pause(delay, this.stopping.signal);
    }
  }

  /** One connection, from handshake to drop; returns how long to wait before the next one. */
  private async session(backoff: Backoff): Promise<number> {
    try {
      const token = await this.currentToken();
      if (this.stopping.signal.aborted) return 0;
      this.socket.auth = { token };
      const { dropped } = await this.open();
      try {
        await this.options.prepare();
      } catch (error) {
        this.socket.disconnect();
        throw error;
      }
      if (this.stopping.signal.aborted) return 0;
      this.setStatus('online');
      backoff.reset();
      await dropped;
      return this.reconnectAtOnce ? ((this.reconnectAtOnce = false), 0) : backoff.next();
    } catch (error) {
      // A refused handshake carries its error in `data`; a failed catch-up is a ChatError.
      const refusal = error instanceof ChatError ? error : (error as { data?: { code?: string; retryAfter?: number } }).data;
      // An expired or revoked token: ask the app for a new one before the next attempt.
      if (refusal?.code === 'unauthorized') this.forgetToken();
      return Math.max(backoff.next(), (refusal?.retryAfter ?? 0) * 1000);
    }
  }

  /** Connects; resolves once connected with a promise of the drop, rejects with the handshake's error. */
  private open(): Promise<{ dropped: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.socket.off('connect', onConnect).off('connect_error', onError);
        this.stopping.signal.removeEventListener('abort', onClose);
      };
      const onConnect = () => {
        settle();
        resolve({ dropped: new Promise((dropped) => this.socket.once('disconnect', () => dropped())) });
      };
      const onError = (error: Error) => {
        settle();
        reject(error);
      };
      const onClose = () => {
        settle();
        reject(new ChatError('closed', 'the client was closed'));
      };
      this.socket.on('connect', onConnect).on('connect_error', onError);
      this.stopping.signal.addEventListener('abort', onClose);
      this.socket.connect();
    });
  }

  /**
   * The server says the token is about to expire: get a new one from the app and hand it over on
   * this socket. A server that does not take it (refuses, or has no such event and never
   * answers) is left at once, and the client reconnects with the new token.
   */
  private async refreshToken(): Promise<void> {
    this.forgetToken();
    try {
      const token = await this.currentToken();
      const answer = await this.socket.timeout(this.options.refreshTimeoutMs).emitWithAck('auth:refresh', { token });
      if (answer.ok) return;
      if (answer.error.code === 'unauthorized') this.forgetToken();
    } catch {
      // No answer in time, or no token from the app: reconnecting below sorts both out.
    }
    if (!this.socket.connected) return;
    this.reconnectAtOnce = true;
    this.socket.disconnect();
  }

  private setStatus(status: ChatStatus): void {
    if (status === this.status) return;
    this.status = status;
    if (status === 'online') for (const waiter of this.onlineWaiters.splice(0)) waiter.resolve();
    this.options.onStatus(status);
  }
}

/**
 * The `sub` claim of a JWT, read without checking it (the server does that): the protocol's
 * tokens name the platform user there. Undefined for anything that is not a JWT with a `sub`.
 */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    // atob gives one character per byte: decode them as UTF-8.
    const json = decodeURIComponent(Array.from(binary, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    const { sub } = JSON.parse(json) as { sub?: unknown };
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}
