// How the rules reach sockets without knowing Socket.io: the facade implements this.
import type { ServerToClientEvents } from '../protocol/events.ts';
import type { Message } from '../protocol/types.ts';

export interface UserDelivery {
  /** Emits to every socket of these users, on every bridge process. */
  emit<E extends keyof ServerToClientEvents>(userIds: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** Tells the other bridge processes that a message was stored (wakes senders waiting there). */
  announceStored(message: Message): void;
  /** Tells the other bridge processes that an edit, deletion or reaction (by its event id) was stored. */
  announceChange(eventId: string): void;
  /** Closes every socket of these users, on every bridge process (an erased user's). */
  disconnect(userIds: string[]): void;
}
