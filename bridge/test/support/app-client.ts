// A real Socket.io client speaking the wire protocol, as the mobile and web apps do.
import { io, type Socket } from 'socket.io-client';
import type { AckOf, ClientToServerEvents, PayloadOf, RequestName, ServerToClientEvents } from '../../src/protocol/events.ts';
import type { Ack, Failure, Message, Ok } from '../../src/protocol/types.ts';
import { tokenFor, type TokenOptions } from './tokens.ts';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A request's payload, which may be left out when every field of it is optional. */
type PayloadArgument<E extends RequestName> =
  Record<never, never> extends PayloadOf<E> ? [payload?: PayloadOf<E>] : [payload: PayloadOf<E>];

/** The success of an acknowledgement, or a test failure naming the error the bridge answered with. */
export function expectOk<T>(ack: Ack<T>): Ok<T> {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack;
}

/** The failure of an acknowledgement, or a test failure when the bridge answered ok. */
export function expectFailure<T>(ack: Ack<T>): Failure {
  if (ack.ok) throw new Error('expected a failure, got ok');
  return ack;
}

export interface AppClient {
  socket: AppSocket;
  userId: string;
  /** Every `message` event received, in order. */
  received: Message[];
  /** A request as an app makes it: the payload and the acknowledgement (success or failure) typed by the event. */
  request<E extends RequestName>(event: E, ...payload: PayloadArgument<E>): Promise<AckOf<E>>;
  /** Deliberately untyped, for what no app would send: malformed payloads, unknown events. */
  requestRaw(event: string, payload?: unknown): Promise<Ack<Record<string, unknown>>>;
  waitForMessage(predicate: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  close(): void;
}

export async function connectApp(
  url: string,
  userId: string,
  options: TokenOptions & { socketOptions?: Record<string, unknown> } = {},
): Promise<AppClient> {
  const token = await tokenFor(userId, options);
  const socket: AppSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, ...options.socketOptions });
  const received: Message[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (message) => {
    received.push(message);
    for (const listener of listeners) listener();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const requestRaw = (event: string, payload: unknown = {}) =>
    (socket as unknown as { timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<never> } })
      .timeout(30_000)
      .emitWithAck(event, payload);
  return {
    socket,
    userId,
    received,
    request: (event, ...[payload = {}]) => requestRaw(event, payload) as Promise<never>,
    requestRaw,
    waitForMessage(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (!found) return false;
          listeners.delete(onMessage);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const onMessage = () => void check();
        const timer = setTimeout(() => {
          listeners.delete(onMessage);
          reject(new Error(`no matching message within ${timeoutMs} ms (got ${received.length})`));
        }, timeoutMs);
        if (!check()) listeners.add(onMessage);
      });
    },
    close: () => socket.disconnect(),
  };
}
