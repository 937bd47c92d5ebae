// A TCP proxy at the network boundary between the bridge and Synapse, which can break the next
// request of a kind (a media download, a kick…) the way a dying or stuck Synapse does: cut the
// connection, or go silent, a given number of body bytes into the response (Synapse did the
// work, the bridge never learns it), or refuse it before Synapse sees it (a gateway's 502).
// Everything else passes through untouched.
import { createConnection, createServer, type Socket } from 'node:net';

export interface MediaFault {
  action: 'cut' | 'stall' | 'refuse';
  /** Body bytes let through first; without it, not even the response's headers get through. */
  afterBodyBytes?: number;
}

export interface BrokenDownload {
  /** The fault happened: the connection was cut, or went silent. */
  applied: Promise<void>;
  /** The bridge closed its side of that connection (it gave up on the download). */
  bridgeClosed: Promise<void>;
}

export interface FaultyProxy {
  url: string;
  /** The next media download (image or thumbnail) that goes through meets this fault. */
  breakNextDownload(fault: MediaFault): BrokenDownload;
  /** The next request whose first line matches meets this fault. */
  breakNext(request: RegExp, fault: MediaFault): BrokenDownload;
  close(): Promise<void>;
}

const MEDIA_REQUEST = /^GET \/_matrix\/client\/v1\/media\/(download|thumbnail)\//;
const HEADERS_END = Buffer.from('\r\n\r\n');
const BAD_GATEWAY = 'HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Gateway';

interface Armed {
  request: RegExp;
  fault: MediaFault;
  markApplied: () => void;
  markClosed: () => void;
}

export async function startFaultyProxy(upstreamUrl: string): Promise<FaultyProxy> {
  const upstream = new URL(upstreamUrl);
  let pending: (Armed & BrokenDownload) | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((bridgeSide) => {
    const synapseSide = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(bridgeSide).add(synapseSide);
    let armed: Armed | undefined;
    let response = Buffer.alloc(0);
    let stalled = false;
    let refused = false;

    bridgeSide.on('data', (chunk: Buffer) => {
      if (refused) return;
      if (pending && pending.request.test(chunk.toString('latin1', 0, 256))) {
        armed = pending;
        pending = undefined;
        if (armed.fault.action === 'refuse') {
          refused = true;
          armed.markApplied();
          synapseSide.destroy();
          return void bridgeSide.end(BAD_GATEWAY);
        }
      }
      synapseSide.write(chunk);
    });
    synapseSide.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (!armed) return void bridgeSide.write(chunk);
      const before = response.length;
      response = Buffer.concat([response, chunk]);
      const headersEnd = response.indexOf(HEADERS_END);
      const limit =
        armed.fault.afterBodyBytes === undefined
          ? 0
          : headersEnd < 0
            ? Infinity
            : headersEnd + HEADERS_END.length + armed.fault.afterBodyBytes;
      if (response.length <= limit) return void bridgeSide.write(chunk);
      bridgeSide.write(response.subarray(before, Math.max(before, limit)));
      armed.markApplied();
      if (armed.fault.action === 'cut') {
        bridgeSide.destroy();
        synapseSide.destroy();
      } else {
        stalled = true;
      }
    });
    bridgeSide.on('close', () => {
      armed?.markClosed();
      synapseSide.destroy();
      sockets.delete(bridgeSide);
    });
    // A stalled download stays stalled: only the bridge may give up on it.
    synapseSide.on('close', () => {
      if (!stalled && !refused) bridgeSide.destroy();
      sockets.delete(synapseSide);
    });
    bridgeSide.on('error', () => undefined);
    synapseSide.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const breakNext = (request: RegExp, fault: MediaFault): BrokenDownload => {
    let markApplied!: () => void;
    let markClosed!: () => void;
    const applied = new Promise<void>((resolve) => (markApplied = resolve));
    const bridgeClosed = new Promise<void>((resolve) => (markClosed = resolve));
    pending = { request, fault, markApplied, markClosed, applied, bridgeClosed };
    return { applied, bridgeClosed };
  };

  return {
    url: `http://127.0.0.1:${port}`,
    breakNextDownload: (fault) => breakNext(MEDIA_REQUEST, fault),
    breakNext,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
