// Delivery of stored messages to sockets, on this process and (through Redis) every other.
import type { MessageArrivals } from '../messages/arrivals.ts';
import type { Delivery } from '../messages/road.ts';
import type { Message } from '../protocol/types.ts';
import { userRoom, type SocketServer } from './socket-server.ts';

export class SocketDelivery implements Delivery {
  private readonly server: SocketServer;

  constructor(server: SocketServer, arrivals: MessageArrivals) {
    this.server = server;
    // A send waiting on another process learns here that its message was stored.
    if (server.clustered) server.io.on('message:stored', (message) => arrivals.notify(message));
  }

  deliverMessage(message: Message, recipientUserIds: string[]): void {
    this.server.io.to(recipientUserIds.map(userRoom)).emit('message', message);
    if (this.server.clustered) this.server.io.serverSideEmit('message:stored', message);
  }
}
