// A real Socket.io client speaking the wire protocol, as the mobile and web apps do.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol/events.ts';
import type { Message } from '../../src/protocol/types.ts';
import { tokenFor, type TokenOptions } from './tokens.ts';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface AppClient {
  socket: AppSocket;
  userId: string;
  /** Every `message` event received, in order. */
  received: Message[];
  request<T = Record<string, unknown>>(event: string, payload?: unknown): Promise<T>;
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
  return {
    socket,
    userId,
    received,
    request: (event, payload = {}) =>
      (socket as unknown as { timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<never> } })
        .timeout(30_000)
        .emitWithAck(event, payload),
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
