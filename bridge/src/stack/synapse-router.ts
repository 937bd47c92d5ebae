// The one Synapse URL of a bundled Synapse with workers: a small reverse proxy on SYNAPSE_PORT
// that hands each request to the process that should serve it (synapse-routes.ts). The bridge,
// its media downloads and a developer's Element keep talking to one URL, as with one process.
//
// Why a proxy rather than routes held by the bridge: matrix-appservice-bridge (matrix-bot-sdk
// underneath) and the media and health code each take one homeserver URL; a proxy keeps them
// as they are, and production does the same in Caddy (deploy/Caddyfile). It runs in the
// bridge's process: a request costs it one extra local hop, measured by `npm run bench:load`.
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { assertPortFree } from './ports.ts';
import { routeFor } from './synapse-routes.ts';
import { persisterIndexFor, type SynapseTopology } from './synapse-topology.ts';

export interface SynapseRouter {
  url: string;
  stop(): Promise<void>;
}

function targetPort(topology: SynapseTopology, path: string, turn: () => number): number {
  const route = routeFor(path);
  const persisters = topology.persisters;
  if (route.to === 'room') return persisters[persisterIndexFor(route.roomId, persisters.length)]!.clientPort!;
  if (route.to === 'any-worker') return persisters[turn() % persisters.length]!.clientPort!;
  return topology.main.clientPort!;
}

export async function startSynapseRouter(topology: SynapseTopology, port: number, host: string): Promise<SynapseRouter> {
  await assertPortFree(port, host, 'SYNAPSE_PORT', "another Synapse (another DATA_DIR's `npm start`?) or another service");
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let turns = 0;
  const forward = (incoming: IncomingMessage, response: ServerResponse) => {
    const upstream = request(
      {
        host,
        port: targetPort(topology, incoming.url ?? '/', () => turns++),
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, response, () => undefined);
      },
    );
    // A process that is down (restarting under its supervisor) is a 502, as from any proxy:
    // the bridge already treats a failing homeserver as unavailable and retries.
    upstream.once('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errcode: 'M_UNKNOWN', error: 'Synapse process unavailable' }));
    });
    pipeline(incoming, upstream, () => undefined);
  };
  const server: Server = createServer(forward);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
