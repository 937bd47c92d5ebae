// The floor under the facade's reads: a bare Socket.io server in the bridge's thread, read by
// the same client worker. `ping` is acknowledged at once; `page` is acknowledged with a page the
// client stored there before (`page:set`: a real `sync` answer of the facade), serialized anew
// each time as the facade's is. What the facade adds to a read is its time above these.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { expectCount, type ReadProbe } from './reads.ts';
import { connectBare } from './socketio-relay.ts';

export const ECHO_MEASURES = {
  ack: "a bare Socket.io server in the bridge's thread acknowledging `ping` at once, from the same client worker: the floor under chat:history",
  page: "the same server acknowledging `page` with a copy of one of the facade's own 1,000-message `sync` answers held in memory: the floor under sync",
};

export interface SocketioEcho {
  url: string;
  close(): Promise<void>;
}

export async function startSocketioEcho(): Promise<SocketioEcho> {
  const httpServer = createServer();
  const server = new Server(httpServer, { perMessageDeflate: false, serveClient: false });
  let page: unknown = { ok: false };
  server.on('connection', (socket) => {
    socket.on('ping', (ack: (reply: { ok: true }) => void) => ack({ ok: true }));
    socket.on('page:set', (stored: unknown, ack: () => void) => {
      page = stored;
      ack();
    });
    socket.on('page', (ack: (reply: unknown) => void) => ack(page));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface EchoProbes {
  ack: ReadProbe;
  /** Returns `sync`'s answer, and stores it as the page `page` answers with. */
  page: ReadProbe;
  close(): void;
}

/** `page` answers with `sample` (stored on the server first) and expects as many messages back. */
export async function echoProbes(url: string, timeoutMs: number, sample: { messages: unknown[] }): Promise<EchoProbes> {
  const socket = await connectBare(url);
  await socket.timeout(timeoutMs).emitWithAck('page:set', sample);
  return {
    ack: {
      name: 'bare socket.io ack',
      async call() {
        const reply = await socket.timeout(timeoutMs).emitWithAck('ping');
        if (!reply?.ok) throw new Error('no acknowledgement');
      },
    },
    page: {
      name: 'bare socket.io page',
      async call() {
        const reply = await socket.timeout(timeoutMs).emitWithAck('page');
        expectCount('messages', reply?.messages?.length ?? 0, sample.messages.length);
      },
    },
    close: () => socket.disconnect(),
  };
}
