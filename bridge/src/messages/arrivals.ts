// Lets a `message:send` wait until its event has come back through the one road and been
// stored, so the acknowledgement carries the stored message with its cursor.
import type { Message } from '../protocol/types.ts';

export class MessageArrivals {
  private readonly waiters = new Map<string, Set<(message: Message) => void>>();

  notify(message: Message): void {
    const waiting = this.waiters.get(message.id);
    if (!waiting) return;
    this.waiters.delete(message.id);
    for (const resolve of waiting) resolve(message);
  }

  /** Resolves with the message once notified, or with undefined after `timeoutMs` or `cancel()`. */
  waitFor(eventId: string, timeoutMs: number): { promise: Promise<Message | undefined>; cancel(): void } {
    let settle!: (message: Message | undefined) => void;
    const promise = new Promise<Message | undefined>((resolve) => (settle = resolve));
    const waiting = this.waiters.get(eventId) ?? new Set();
    this.waiters.set(eventId, waiting);
    const onArrival = (message: Message) => {
      clearTimeout(timer);
      settle(message);
    };
    const cancel = () => {
      clearTimeout(timer);
      waiting.delete(onArrival);
      if (waiting.size === 0 && this.waiters.get(eventId) === waiting) this.waiters.delete(eventId);
      settle(undefined);
    };
    const timer = setTimeout(cancel, timeoutMs);
    waiting.add(onArrival);
    return { promise, cancel };
  }
}
