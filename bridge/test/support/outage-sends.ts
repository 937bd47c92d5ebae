// What the fault tests share: an app that sends as the protocol says (on `unavailable` it waits
// `retryAfter` and sends again with the same clientId), and the count of what `sync` holds per
// clientId, to prove that nothing acknowledged was lost and nothing was stored twice.
import type { Message } from '../../src/protocol/types.ts';
import type { AppClient } from './app-client.ts';

export interface SendPayload {
  bookingId: string;
  clientId: string;
  text: string;
}

/** Sends until acknowledged (the same clientId every time); fails after `timeoutMs`. */
export async function sendUntilAcknowledged(client: AppClient, payload: SendPayload, timeoutMs = 60_000): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ack = await client.request('message:send', payload);
    if (ack.ok) return ack.message!;
    const retryAfter = ack.error?.code === 'unavailable' ? ack.error.retryAfter : undefined;
    if (retryAfter === undefined || Date.now() > deadline)
      throw new Error(`${payload.clientId} not acknowledged: ${JSON.stringify(ack.error)}`);
    // The wait the protocol asks for, not a guess at how long recovery takes.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}

/** Every message `sync` has for this user, from the beginning. */
export async function syncEverything(client: AppClient): Promise<Message[]> {
  const messages: Message[] = [];
  let since: string | undefined;
  for (;;) {
    const page = await client.request('sync', since ? { since } : {});
    if (!page.ok) throw new Error(`sync failed: ${JSON.stringify(page)}`);
    messages.push(...page.messages);
    since = page.cursor;
    if (!page.more) return messages;
  }
}

/** How many stored messages carry each clientId. */
export function countByClientId(messages: Message[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) if (message.clientId) counts.set(message.clientId, (counts.get(message.clientId) ?? 0) + 1);
  return counts;
}
