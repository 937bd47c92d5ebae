// The load bench's apps, in a child process of their own so that their CPU is not counted as
// the bridge's (/proc counts every thread of a process): each chat's customer and artist on a
// Socket.io socket; customers send at open-loop Poisson arrivals; a message is delivered when
// its artist's socket gets it. Driven by the parent over IPC (run.ts).
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { connect } from '../facade.ts';
import { summarize, type LatencySummary } from '../stats.ts';
import { realisticText } from './texts.ts';

export interface ChatSpec {
  bookingId: string;
  customerId: string;
  artistId: string;
}

export type ClientCommand =
  | { type: 'connect'; bridgeUrl: string; jwtSecret: string; chats: ChatSpec[] }
  | { type: 'step'; rate: number; durationMs: number; drainMs: number }
  /** Idle sockets `from`…`to - 1`, one per user, spread over loopback source addresses (each has its own ephemeral ports). */
  | { type: 'connect-idle'; bridgeUrl: string; jwtSecret: string; from: number; to: number; sourceAddresses: string[] }
  | { type: 'close' };

export interface StepResult {
  sent: number;
  acknowledged: number;
  refused: number;
  delivered: number;
  /** Acknowledged but never delivered to the artist within the drain time. */
  lost: number;
  latency: LatencySummary;
}

export type ClientReply =
  { type: 'connected'; sockets: number; seconds: number } | { type: 'step'; result: StepResult } | { type: 'error'; message: string };

interface Chat {
  bookingId: string;
  customer: Socket;
  artist: Socket;
}

const chats: Chat[] = [];
const idle: Socket[] = [];
/** clientId → when it was sent, for messages not delivered yet. */
const inFlight = new Map<string, number>();
let latencies: number[] = [];
let delivered = 0;

const reply = (message: ClientReply) => process.send!(message);

async function connectAll(command: Extract<ClientCommand, { type: 'connect' }>): Promise<void> {
  const started = performance.now();
  const queue = [...command.chats];
  // A few handshakes at a time: the bridge verifies a JWT and reads the user per socket.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) {
        const customer = await connect(command.bridgeUrl, command.jwtSecret, spec.customerId, 'customer');
        const artist = await connect(command.bridgeUrl, command.jwtSecret, spec.artistId, 'artist');
        artist.on('message', (message) => {
          const sentAt = message.clientId === undefined ? undefined : inFlight.get(message.clientId);
          if (sentAt === undefined) return;
          inFlight.delete(message.clientId!);
          latencies.push(performance.now() - sentAt);
          delivered++;
        });
        chats.push({ bookingId: spec.bookingId, customer, artist });
      }
    }),
  );
  reply({ type: 'connected', sockets: chats.length * 2, seconds: (performance.now() - started) / 1000 });
}

async function connectIdle(command: Extract<ClientCommand, { type: 'connect-idle' }>): Promise<void> {
  const started = performance.now();
  let next = command.from;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let index = next++; index < command.to; index = next++) {
        const localAddress = command.sourceAddresses[index % command.sourceAddresses.length];
        idle.push(
          await connect(command.bridgeUrl, command.jwtSecret, `idle-${index}`, index % 2 ? 'artist' : 'customer', { localAddress }),
        );
      }
    }),
  );
  reply({ type: 'connected', sockets: idle.length, seconds: (performance.now() - started) / 1000 });
}

/** Open loop: arrivals follow a Poisson process whatever the answers do. */
async function step(command: Extract<ClientCommand, { type: 'step' }>): Promise<StepResult> {
  latencies = [];
  delivered = 0;
  inFlight.clear();
  let sent = 0;
  let acknowledged = 0;
  let refused = 0;
  const acknowledgedIds = new Set<string>();
  const answers: Promise<void>[] = [];
  const started = performance.now();
  let next = started;
  while (next - started < command.durationMs) {
    next += (-Math.log(1 - Math.random()) / command.rate) * 1000;
    const wait = next - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const chat = chats[Math.floor(Math.random() * chats.length)]!;
    const clientId = randomUUID();
    inFlight.set(clientId, performance.now());
    sent++;
    answers.push(
      chat.customer
        .timeout(command.drainMs)
        .emitWithAck('message:send', { bookingId: chat.bookingId, clientId, text: realisticText() })
        .then(
          (ack) => {
            if (ack.ok) {
              acknowledged++;
              acknowledgedIds.add(clientId);
            } else refused++;
          },
          () => void refused++,
        ),
    );
  }
  await Promise.all(answers);
  const deadline = performance.now() + command.drainMs;
  while ([...acknowledgedIds].some((id) => inFlight.has(id)) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lost = [...acknowledgedIds].filter((id) => inFlight.has(id)).length;
  return { sent, acknowledged, refused, delivered, lost, latency: summarize(latencies) };
}

process.on('message', (command: ClientCommand) => {
  const run = async () => {
    if (command.type === 'connect') await connectAll(command);
    else if (command.type === 'connect-idle') await connectIdle(command);
    else if (command.type === 'step') reply({ type: 'step', result: await step(command) });
    else {
      for (const chat of chats) {
        chat.customer.disconnect();
        chat.artist.disconnect();
      }
      for (const socket of idle) socket.disconnect();
      process.exit(0);
    }
  };
  run().catch((error: Error) => reply({ type: 'error', message: error.message }));
});
