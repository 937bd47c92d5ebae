// Token refresh on an open socket (the contract of issue #11): the server says `auth:expired`;
// the client gets a new token from the app and hands it over with `auth:refresh`, or, when the
// server does not take it (or does not know the event and never answers), reconnects with it.
// The bridge does not speak this yet, so a Socket.io server stands in for it at the network
// boundary, speaking only what a connection needs (chats:list, sync) and the refresh.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient, type ChatStatus } from '../src/index.ts';
import { QUICK } from './support/sdk-apps.ts';

interface StandIn {
  url: string;
  /** The token of every handshake, in order. */
  handshakes: string[];
  /** The tokens handed over with auth:refresh. */
  refreshed: string[];
  expireTokens(): void;
  close(): Promise<void>;
}

/** Told of every handshake, refresh and client status: what the tests' barriers wait on. */
const changes = new EventTarget();
const changed = () => changes.dispatchEvent(new Event('change'));

async function startStandIn(options: { acceptsRefresh: boolean }): Promise<StandIn> {
  const http = createServer();
  const io = new Server(http);
  const handshakes: string[] = [];
  const refreshed: string[] = [];
  io.use((socket, next) => {
    handshakes.push((socket.handshake.auth as { token: string }).token);
    changed();
    next();
  });
  io.on('connection', (socket) => {
    socket.on('chats:list', (_payload, ack) => ack({ ok: true, chats: [] }));
    socket.on('sync', (_payload, ack) => ack({ ok: true, messages: [], deleted: [], cursor: '0', more: false }));
    if (options.acceptsRefresh) {
      socket.on('auth:refresh', ({ token }: { token: string }, ack) => {
        refreshed.push(token);
        changed();
        ack({ ok: true, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    handshakes,
    refreshed,
    expireTokens: () => void io.emit('auth:expired', {}),
    close: () => new Promise((resolve) => io.close(() => resolve())),
  };
}

let standIn: StandIn;
let chat: ChatClient;

afterEach(async () => {
  await chat?.close();
  await standIn?.close();
});

/** A client whose n-th token is `token-n`, with every status it went through. */
async function connectedClient() {
  let issued = 0;
  const statuses: ChatStatus[] = [];
  chat = createChatClient({ url: standIn.url, token: () => `token-${++issued}`, refreshTimeoutMs: 300, ...QUICK });
  chat.on('status', (status) => {
    statuses.push(status);
    changed();
  });
  await chat.connect();
  return statuses;
}

function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      changes.removeEventListener('change', check);
    };
    const check = () => condition() && (stop(), resolve());
    const timer = setTimeout(() => (stop(), reject(new Error(`${what} not within ${timeoutMs} ms`))), timeoutMs);
    changes.addEventListener('change', check);
    check();
  });
}

describe('when the server says the token expired', () => {
  it('hands a new token from the app to the open socket, which stays connected', async () => {
    standIn = await startStandIn({ acceptsRefresh: true });
    const statuses = await connectedClient();
    standIn.expireTokens();
    await until(() => standIn.refreshed.length === 1, 'the refresh');
    expect(standIn.refreshed).toEqual(['token-2']);
    // Still the first connection: a request goes through on it, and no second handshake happened.
    await chat.chats();
    expect(standIn.handshakes).toEqual(['token-1']);
    expect(statuses).toEqual(['connecting', 'online']);
  });

  it('reconnects with the new token when the server never answers the refresh', async () => {
    standIn = await startStandIn({ acceptsRefresh: false });
    const statuses = await connectedClient();
    standIn.expireTokens();
    await until(() => standIn.handshakes.length === 2 && chat.status === 'online', 'the reconnection');
    expect(standIn.handshakes).toEqual(['token-1', 'token-2']);
    expect(statuses).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
  });
});
