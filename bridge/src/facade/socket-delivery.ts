// UserDelivery to sockets, on this process and (through the Redis adapter) every other.
import type { StoredMessageWaiters } from '../messages/stored-message-waiters.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { ServerToClientEvents } from '../protocol/events.ts';
import type { Message } from '../protocol/types.ts';
import { userRoom, type SocketServer } from './socket-server.ts';

export class SocketDelivery implements UserDelivery {
  private readonly server: SocketServer;

  constructor(server: SocketServer, waiters: StoredMessageWaiters) {
    this.server = server;
    // A send waiting on this process learns here that another process stored its message.
    if (server.clustered) {
      server.io.on('message:stored', (message) => waiters.notify(message));
      server.io.on('change:stored', (eventId) => waiters.wake(eventId));
    }
  }

  emit<E extends keyof ServerToClientEvents>(userIds: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    if (userIds.length === 0) return;
    this.server.io.to(userIds.map(userRoom)).emit(event, ...args);
  }

  announceStored(message: Message): void {
    if (this.server.clustered) this.server.io.serverSideEmit('message:stored', message);
  }

  disconnect(userIds: string[]): void {
    if (userIds.length === 0) return;
    this.server.io.in(userIds.map(userRoom)).disconnectSockets(true);
  }

  announceChange(eventId: string): void {
    if (this.server.clustered) this.server.io.serverSideEmit('change:stored', eventId);
  }
}
