// The floor under the facade's reads: a bare Socket.io server in the bridge's thread that
// acknowledges an event at once, read by the same client worker. What the facade adds to a
// read is its time above this.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import type { ReadProbe } from './reads.ts';

export const ECHO_MEASURES = 'a bare Socket.io server in the bridge\'s thread acknowledging `ping` at once, from the same client worker: the floor under the facade\'s reads';

export interface SocketioEcho {
  url: string;
  close(): Promise<void>;
}

export async function startSocketioEcho(): Promise<SocketioEcho> {
  const httpServer = createServer();
  const server = new Server(httpServer, { perMessageDeflate: false, serveClient: false });
  server.on('connection', (socket) => socket.on('ping', (ack: (reply: { ok: true }) => void) => ack({ ok: true })));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function echoProbe(url: string, timeoutMs: number): Promise<ReadProbe & { close(): void }> {
  const socket = io(url, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    name: 'bare socket.io ack',
    async call() {
      const reply = await socket.timeout(timeoutMs).emitWithAck('ping');
      if (!reply?.ok) throw new Error('no acknowledgement');
    },
    close: () => socket.disconnect(),
  };
}
