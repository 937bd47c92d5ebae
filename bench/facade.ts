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

export interface BenchBooking {
  bookingId: string;
  customer: { id: string; name: string };
  artist: { id: string; name: string };
}

/** A booking between two new users, created over REST as the booking system does; ids start with `prefix`. */
export async function newBenchBooking(options: Pick<FacadeOptions, 'bridgeUrl' | 'serviceToken'>, prefix: string): Promise<BenchBooking> {
  const suffix = randomBytes(4).toString('hex');
  const booking = {
    bookingId: `${prefix}-${suffix}`,
    customer: { id: `${prefix}-customer-${suffix}`, name: 'Ann Customer' },
    artist: { id: `${prefix}-artist-${suffix}`, name: 'Bea Artist' },
  };
  const response = await fetch(`${options.bridgeUrl}/api/v1/bookings/${encodeURIComponent(booking.bookingId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${options.serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer: booking.customer, artist: booking.artist, title: 'Benchmark booking' }),
  });
  if (response.status !== 201) throw new Error(`PUT booking: ${response.status} ${await response.text()}`);
  return booking;
}

/** An app's JWT, signed with the bridge's HS256 secret. */
export function benchToken(secret: string, userId: string, role: 'customer' | 'artist'): Promise<string> {
  return new SignJWT({ role, name: userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

/** `transport` carries engine.io's Node options, such as the loopback `localAddress` to connect from. */
export async function connect(
  url: string,
  secret: string,
  userId: string,
  role: 'customer' | 'artist',
  transport: { localAddress?: string } = {},
): Promise<AppSocket> {
  const token = await benchToken(secret, userId, role);
  const socket: AppSocket = io(url, { ...transport, auth: { token }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

export async function startFacade(options: FacadeOptions, deliveries: Deliveries): Promise<Target> {
  const { bookingId, customer, artist } = await newBenchBooking(options, 'bench');

  const customerSocket = await connect(options.bridgeUrl, options.jwtSecret, customer.id, 'customer');
  const artistSocket = await connect(options.bridgeUrl, options.jwtSecret, artist.id, 'artist');
  artistSocket.on('message', (message) => {
    if (message.clientId) deliveries.arrive(message.clientId);
  });

  return {
    name: 'facade',
    async send(id, text) {
      const ack = await customerSocket.timeout(options.timeoutMs).emitWithAck('message:send', { bookingId, clientId: id, text });
      if (!ack.ok) throw new Error(`message:send: ${ack.error.code} ${ack.error.message}`);
    },
    async close() {
      customerSocket.disconnect();
      artistSocket.disconnect();
    },
  };
}
