// Push: message-to-push-request latency under load (the customer's send until the FCM
// stand-in receives firebase-admin's request), and chat delivery with push work against
// without it, interleaved in the same run: the artist of one booking has a phone registered
// and the app in the background (every message queues and sends a push), the artist of the
// other is in the foreground (the notifier runs and decides nothing is due).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FcmStandIn } from '../bridge/test/support/fcm-standin.ts';
import { connect, newBenchBooking } from './facade.ts';
import type { BenchStack } from './stack.ts';
import { ratio, summarize } from './stats.ts';

export interface PushSettings {
  messages: number;
  concurrency: number;
  timeoutMs: number;
}

async function chat(stack: BenchStack, withPush: boolean) {
  const { bookingId, customer, artist } = await newBenchBooking(stack, `bench-push-${withPush ? 'on' : 'off'}`);
  const customerSocket = await connect(stack.bridgeUrl, stack.jwtSecret, customer.id, 'customer');
  const artistSocket = await connect(stack.bridgeUrl, stack.jwtSecret, artist.id, 'artist');
  const token = `bench-fcm-${bookingId}-${'x'.repeat(40)}`;
  if (withPush) {
    await artistSocket.timeout(10_000).emitWithAck('push:register', { kind: 'fcm', token });
    await artistSocket.timeout(10_000).emitWithAck('app:state', { state: 'background' });
  }
  const delivered = new Map<string, number>();
  artistSocket.on('message', (message) => message.clientId && delivered.set(message.clientId, performance.now()));
  return { bookingId, customerSocket, artistSocket, token, delivered };
}

interface Sent {
  messageId: string;
  startedAt: number;
  deliveredAt: number;
}

export async function measurePush(stack: BenchStack, fcm: FcmStandIn, settings: PushSettings, log: (line: string) => void) {
  const on = await chat(stack, true);
  const off = await chat(stack, false);

  const sendOne = async (target: Awaited<ReturnType<typeof chat>>): Promise<Sent> => {
    const clientId = randomUUID();
    const startedAt = performance.now();
    const ack = await target.customerSocket
      .timeout(settings.timeoutMs)
      .emitWithAck('message:send', { bookingId: target.bookingId, clientId, text: `push bench ${clientId}` });
    if (!ack.ok) throw new Error(`send failed: ${ack.error.code}`);
    const deadline = startedAt + settings.timeoutMs;
    while (!target.delivered.has(clientId) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const deliveredAt = target.delivered.get(clientId);
    if (deliveredAt === undefined) throw new Error('not delivered in time');
    return { messageId: ack.message.id, startedAt, deliveredAt };
  };

  try {
    log(`push: ${settings.messages} messages into each chat (push on / off), ${settings.concurrency} at a time, interleaved`);
    const sentOn: Sent[] = [];
    const sentOff: Sent[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (next < settings.messages) {
          next++;
          sentOn.push(await sendOne(on));
          sentOff.push(await sendOne(off));
        }
      }),
    );
    const accepted = () => fcm.received.filter((r) => r.message.token === on.token && r.status === 200);
    const deadline = performance.now() + settings.timeoutMs;
    while (accepted().length < sentOn.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const pushAt = new Map(accepted().map((r) => [(r.message.data as { messageId?: string } | undefined)?.messageId, r.at]));

    const toPush = sentOn.flatMap((s) => (pushAt.has(s.messageId) ? [pushAt.get(s.messageId)! - s.startedAt] : []));
    const afterDelivery = sentOn.flatMap((s) => (pushAt.has(s.messageId) ? [pushAt.get(s.messageId)! - s.deliveredAt] : []));
    const chatOn = summarize(sentOn.map((s) => s.deliveredAt - s.startedAt));
    const chatOff = summarize(sentOff.map((s) => s.deliveredAt - s.startedAt));
    const push = summarize(toPush);
    const afterChat = summarize(afterDelivery);
    return {
      p50_ms: push.p50_ms,
      p99_ms: push.p99_ms,
      after_delivery_p50_ms: afterChat.p50_ms,
      after_delivery_p99_ms: afterChat.p99_ms,
      pushes: toPush.length,
      messages: sentOn.length,
      chat_with_push_p50_ms: chatOn.p50_ms,
      chat_with_push_p99_ms: chatOn.p99_ms,
      chat_without_push_p50_ms: chatOff.p50_ms,
      chat_without_push_p99_ms: chatOff.p99_ms,
      chat_p99_ratio_push_on_off: ratio(chatOn.p99_ms, chatOff.p99_ms),
      measures:
        "p50/p99: the customer's message:send until the FCM stand-in receives firebase-admin's request for the background artist's phone; chat_*: delivery to the artist's socket in a chat with push work (artist in the background with a phone) and one without (artist in the foreground), interleaved",
    };
  } finally {
    for (const side of [on, off]) {
      side.customerSocket.disconnect();
      side.artistSocket.disconnect();
    }
  }
}
