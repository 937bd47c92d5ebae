// Lets a sender (message:send, system messages, images) wait until its event has come back
// through the one road and been stored, so its answer carries the stored message and cursor; and
// an edit, deletion or reaction wait until the read model shows it.
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageStates } from './message-states.ts';

/** How long a send waits for its event to come back from Synapse before answering `unavailable`. */
const STORE_WAIT_MS = 15_000;
/**
 * How often a waiting send looks in the read model itself. Another process that stored the
 * event signals it through Redis; while Redis is down that signal is lost, and the send would
 * otherwise wait out STORE_WAIT_MS for a message that is already there.
 */
const RECHECK_MS = 1_000;
/** Enough for the sends of a few seconds at the bridge's capacity. */
const RECENT_MAX = 2_000;
/**
 * A sent event not stored by then is in a transaction Synapse is not sending: the process that
 * receives them is down (Synapse then backs off for minutes), or Synapse lost it (its appservice
 * recoverer can declare itself done while a new transaction is being queued, which then waits for
 * the next failure). The send's room is reported stalled, and compared with Synapse's history.
 */
const STALL_MS = 5_000;

/** An event this bridge sent, and the room it went to. */
export interface SentEvent {
  eventId: string;
  roomId: string;
}

export class StoredMessageWaiters {
  private readonly waiters = new Map<string, Set<(message: Message | undefined) => void>>();
  /** The messages notified last, by id: a sender that starts waiting after its notice still finds it. */
  private readonly recent = new Map<string, Message>();
  private readonly messages: Pick<MessagesStore, 'getByEventId'>;
  private readonly states: Pick<MessageStates, 'renderOne'>;
  private stalled: (roomId: string) => void = () => undefined;

  constructor(messages: Pick<MessagesStore, 'getByEventId'>, states: Pick<MessageStates, 'renderOne'>) {
    this.messages = messages;
    this.states = states;
  }

  /** Who compares a room whose sent event has waited STALL_MS (set once, by the messages feature). */
  onStalled(listener: (roomId: string) => void): void {
    this.stalled = listener;
  }

  notify(message: Message): void {
    this.recent.set(message.id, message);
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
    this.settle(message.id, message);
  }

  /** The change with this event id was stored: whoever waits for it looks again. */
  wake(eventId: string): void {
    this.settle(eventId, undefined);
  }

  private settle(eventId: string, message: Message | undefined): void {
    const waiting = this.waiters.get(eventId);
    if (!waiting) return;
    this.waiters.delete(eventId);
    for (const resolve of waiting) resolve(message);
  }

  /** The message as the read model holds it, once stored; `unavailable` if that takes too long. */
  stored(sent: SentEvent, timeoutMs = STORE_WAIT_MS): Promise<Message> {
    return this.watched(sent.roomId, this.lookUp(sent.eventId, timeoutMs));
  }

  /**
   * The message of an event just sent, once stored. Its notice comes on this process or, through
   * Redis, from the one that stored it, so the read model is looked at only when none came within
   * a recheck (Redis down): one database round trip less per send. A notice that came before this
   * call is found among the recent ones.
   */
  async storedAfterSend(sent: SentEvent, timeoutMs = STORE_WAIT_MS): Promise<Message> {
    const early = this.recent.get(sent.eventId);
    if (early) return early;
    return this.watched(sent.roomId, this.noticeOrLookUp(sent.eventId, timeoutMs));
  }

  private async noticeOrLookUp(eventId: string, timeoutMs: number): Promise<Message> {
    const { promise, cancel } = this.waitFor(eventId, Math.min(RECHECK_MS, timeoutMs));
    const arrived = await promise;
    cancel();
    return arrived ?? this.recent.get(eventId) ?? this.lookUp(eventId, timeoutMs - RECHECK_MS);
  }

  private lookUp(eventId: string, timeoutMs: number): Promise<Message> {
    const look = async () => {
      const row = await this.messages.getByEventId(eventId);
      // The one waiting is the sender.
      return row && this.states.renderOne(row, row.sender_id);
    };
    return this.untilStored(eventId, look, timeoutMs, (arrived) => arrived);
  }

  /** `waiting`, with its room reported stalled should it take STALL_MS. */
  private async watched<T>(roomId: string, waiting: Promise<T>): Promise<T> {
    const timer = setTimeout(() => this.stalled(roomId), STALL_MS);
    try {
      return await waiting;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * What `look` finds once the change `sent` made (an edit, a deletion, a reaction) was stored;
   * `unavailable` if that takes too long.
   */
  until<T>(sent: SentEvent, look: () => Promise<T | undefined>, timeoutMs = STORE_WAIT_MS): Promise<T> {
    return this.watched(sent.roomId, this.untilStored(sent.eventId, look, timeoutMs));
  }

  /** As `until`; a notice with the message itself answers at once when `fromNotice` takes it. */
  private async untilStored<T>(
    eventId: string,
    look: () => Promise<T | undefined>,
    timeoutMs = STORE_WAIT_MS,
    fromNotice: (arrived: Message) => T | undefined = () => undefined,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      // Waiting first, then looking: an arrival between the two is not missed.
      const wait = this.waitFor(eventId, Math.max(0, Math.min(RECHECK_MS, left)));
      const found = await look();
      if (found !== undefined) {
        wait.cancel();
        return found;
      }
      if (left <= 0) {
        wait.cancel();
        throw new AppError('unavailable', 'sent, but not confirmed yet: retry with the same id', 1);
      }
      const arrived = await wait.promise;
      const answer = arrived && fromNotice(arrived);
      if (answer !== undefined) return answer;
    }
  }

  /** Resolves with the message once notified, or with undefined after `timeoutMs`, `cancel()` or a wake. */
  waitFor(eventId: string, timeoutMs: number): { promise: Promise<Message | undefined>; cancel(): void } {
    let settle!: (message: Message | undefined) => void;
    const promise = new Promise<Message | undefined>((resolve) => (settle = resolve));
    const waiting = this.waiters.get(eventId) ?? new Set();
    this.waiters.set(eventId, waiting);
    const onArrival = (message: Message | undefined) => {
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
