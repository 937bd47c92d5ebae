// System `facade`: the bridge end to end. A customer's socket sends `message:send` in a booking
// created over REST; a message counts as delivered when the ARTIST's socket gets `message`.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../bridge/src/protocol/events.ts';
import type { Deliveries, Target } from './workload.ts';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface FacadeOptions {
  bridgeUrl: string;
  serviceToken: string;
  jwtSecret: string;
  timeoutMs: number;
}

async function putBooking(options: FacadeOptions, bookingId: string, body: unknown): Promise<void> {
  const response = await fetch(`${options.bridgeUrl}/api/v1/bookings/${encodeURIComponent(bookingId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${options.serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`PUT booking: ${response.status} ${await response.text()}`);
}

export async function connect(url: string, secret: string, userId: string, role: 'customer' | 'artist'): Promise<AppSocket> {
  const token = await new SignJWT({ role, name: userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
  const socket: AppSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

export async function startFacade(options: FacadeOptions, deliveries: Deliveries): Promise<Target> {
  const suffix = randomBytes(4).toString('hex');
  const bookingId = `bench-${suffix}`;
  const customer = { id: `bench-customer-${suffix}`, name: 'Ann Customer' };
  const artist = { id: `bench-artist-${suffix}`, name: 'Bea Artist' };
  await putBooking(options, bookingId, { customer, artist, title: 'Benchmark booking' });

  const customerSocket = await connect(options.bridgeUrl, options.jwtSecret, customer.id, 'customer');
  const artistSocket = await connect(options.bridgeUrl, options.jwtSecret, artist.id, 'artist');
  artistSocket.on('message', (message) => {
    if (message.clientId) deliveries.arrive(message.clientId);
  });

  return {
    name: 'facade',
    async send(id, text) {
      const ack = await customerSocket
        .timeout(options.timeoutMs)
        .emitWithAck('message:send', { bookingId, clientId: id, text });
      if (!ack.ok) throw new Error(`message:send: ${ack.error.code} ${ack.error.message}`);
    },
    async close() {
      customerSocket.disconnect();
      artistSocket.disconnect();
    },
  };
}
