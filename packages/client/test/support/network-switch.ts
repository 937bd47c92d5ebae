// A TCP proxy between the SDK and the bridge, at the network boundary: the test takes the
// network down and up, lets requests through while losing the answers, or points it at
// another bridge (a restarted server on a new port) while the app keeps the same URL.
import { createConnection, createServer, type Socket } from 'node:net';

export interface NetworkSwitch {
  /** What the app connects to. */
  url: string;
  /** Every open connection is cut; new ones are reset until up(). */
  down(): void;
  up(): void;
  /** From now on the app's bytes reach the bridge but the bridge's answers are lost (until down()). */
  loseAnswers(): void;
  /** New connections go to this bridge. */
  retarget(bridgeUrl: string): void;
  close(): Promise<void>;
}

export async function startNetworkSwitch(bridgeUrl: string): Promise<NetworkSwitch> {
  let upstream = new URL(bridgeUrl);
  let isUp = true;
  let answersLost = false;
  const open = new Set<Socket>();

  const server = createServer((appSide) => {
    if (!isUp) return void appSide.resetAndDestroy();
    const bridgeSide = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    open.add(appSide).add(bridgeSide);
    appSide.pipe(bridgeSide);
    bridgeSide.on('data', (chunk: Buffer) => {
      if (!answersLost) appSide.write(chunk);
    });
    for (const [socket, other] of [
      [appSide, bridgeSide],
      [bridgeSide, appSide],
    ] as const) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        other.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      isUp = false;
      answersLost = false;
      for (const socket of open) socket.destroy();
    },
    up() {
      isUp = true;
    },
    loseAnswers() {
      answersLost = true;
    },
    retarget(url) {
      upstream = new URL(url);
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
