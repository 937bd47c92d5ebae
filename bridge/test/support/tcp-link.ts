// A TCP link between the bridge and a service that a test can take down and bring back, as a
// service that dies and restarts looks from the bridge: while down, open connections are cut
// and new ones refused — or, as through a gateway whose upstream died, answered 502.
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Outage = 'refused' | 'bad-gateway';

const BAD_GATEWAY = 'HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Gateway';

export interface TcpLink {
  url: string;
  down(outage?: Outage): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpLink(upstreamUrl: string): Promise<TcpLink> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  let gateway = false;
  const server = createServer((client) => {
    if (gateway) {
      client.on('error', () => undefined);
      client.once('data', () => client.end(BAD_GATEWAY));
      return;
    }
    const service = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    for (const socket of [client, service]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(service).pipe(client);
    client.on('close', () => service.destroy());
    service.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const stopListening = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    async down(outage = 'refused') {
      for (const socket of sockets) socket.destroy();
      if (outage === 'bad-gateway') gateway = true;
      else await stopListening();
    },
    async up() {
      gateway = false;
      if (!server.listening) await listen(port);
    },
    close: () => (server.listening ? stopListening() : Promise.resolve()),
  };
}
