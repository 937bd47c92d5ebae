// System `socketio`: a bare Socket.io relay on loopback (the floor for any Socket.io facade).
// On `message:send` it broadcasts the message to the other client, then acknowledges.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { Deliveries, Target } from './workload.ts';

/** A plain client of a bare Socket.io server (no auth), over WebSocket like the apps. */
export function connectBare(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function startSocketioRelay(options: { timeoutMs: number }, deliveries: Deliveries): Promise<Target> {
  const httpServer = createServer();
  // The bridge's transport settings, so only the work behind the socket differs.
  const server = new Server(httpServer, { maxHttpBufferSize: 100_000, perMessageDeflate: false, serveClient: false });
  server.on('connection', (socket) => {
    socket.on('message:send', (payload: { bookingId: string; clientId: string; text: string }, ack?: (r: unknown) => void) => {
      const message = { id: randomUUID(), ...payload, createdAt: new Date().toISOString() };
      socket.broadcast.emit('message', message);
      ack?.({ ok: true, message });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

  const sender = await connectBare(url);
  const receiver = await connectBare(url);
  receiver.on('message', (message: { clientId?: string }) => {
    if (message.clientId) deliveries.arrive(message.clientId);
  });

  return {
    name: 'socketio',
    async send(id, text) {
      const ack = await sender.timeout(options.timeoutMs).emitWithAck('message:send', { bookingId: 'relay', clientId: id, text });
      if (!ack?.ok) throw new Error('relay did not acknowledge');
    },
    async close() {
      sender.disconnect();
      receiver.disconnect();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
