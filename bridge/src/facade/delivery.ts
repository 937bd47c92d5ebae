// Delivery to sockets, on this process and (through the Redis adapter) every other.
import type { MessageArrivals } from '../messages/arrivals.ts';
import type { Delivery } from '../messages/delivery.ts';
import type { ServerToClientEvents } from '../protocol/events.ts';
import type { Message } from '../protocol/types.ts';
import { userRoom, type SocketServer } from './socket-server.ts';

export class SocketDelivery implements Delivery {
  private readonly server: SocketServer;

  constructor(server: SocketServer, arrivals: MessageArrivals) {
    this.server = server;
    // A send waiting on this process learns here that another process stored its message.
    if (server.clustered) server.io.on('message:stored', (message) => arrivals.notify(message));
  }

  emit<E extends keyof ServerToClientEvents>(userIds: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    if (userIds.length === 0) return;
    this.server.io.to(userIds.map(userRoom)).emit(event, ...args);
  }

  announceStored(message: Message): void {
    if (this.server.clustered) this.server.io.serverSideEmit('message:stored', message);
  }
}
