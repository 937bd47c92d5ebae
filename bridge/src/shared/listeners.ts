// The bridge's HTTP listeners (public, appservice, metrics): plain or TLS, bound and closed the same way.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** The certificate and key the listeners speak TLS with (TLS_CERT_FILE, TLS_KEY_FILE). */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export function createListener(tls: TlsFiles | undefined, handler: http.RequestListener): http.Server {
  return tls ? https.createServer(tls, handler) : http.createServer(handler);
}

/** Resolves with the port actually bound (port 0 picks a free one). */
export function listenOn(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Stops accepting and drops the open connections (keep-alive ones would hold close() open). */
export function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  server.closeAllConnections();
  return closed;
}
