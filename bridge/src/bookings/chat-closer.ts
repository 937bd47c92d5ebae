// Announces chats that closed: once a booking's `closes_at` has passed, the bot posts the
// `chat.closed` system message (through the system-message path, so it takes the one road) and the
// members get `chat:updated` with `closedAt`. Exactly once per closing with any number of bridge
// processes: a process claims a closing for a lease (bookings-store.ts claimDueClosings), posts with
// an idempotency key of the closing (a retry after a crash is the same Matrix transaction), and marks
// it announced. The chat is read-only from `closes_at` on whether or not it was announced yet
// (chat-closing.ts): the message tells people, it does not close anything.
//
// When: the PUT that closes a chat at once posts it before it answers; otherwise a timer set for the
// next closing this process knows of, and a sweep at least every SWEEP_MAX_MS (closings set by
// another process, claims left by a process that died).
import { AppError } from '../protocol/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';
import { announceChat, type ChatList } from './chat-list.ts';
import type { SystemMessages } from './system-messages.ts';

const SWEEP_MAX_MS = 60_000;
const SWEEP_MIN_MS = 100;
/** Longer than posting a message takes (the answer waits for the stored event). */
const CLAIM_LEASE_MS = 120_000;
const CLAIM_BATCH = 100;

export const CHAT_CLOSED = 'chat.closed';
export const CHAT_REOPENED = 'chat.reopened';

export interface ChatCloserDeps {
  bookings: BookingsStore;
  systemMessages: SystemMessages;
  chats: ChatList;
  delivery: UserDelivery;
  logger: Logger;
}

export class ChatCloser {
  private readonly deps: ChatCloserDeps;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;

  constructor(deps: ChatCloserDeps) {
    this.deps = deps;
  }

  start(): void {
    this.stopped = false;
    this.wake(new Date());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** A closing is due at `at` (this process just set it): sweep then, unless one comes sooner. */
  wake(at: Date): void {
    if (this.stopped || at.getTime() >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at.getTime();
    this.timer = setTimeout(() => void this.sweep(), Math.max(0, at.getTime() - Date.now()));
    this.timer.unref();
  }

  /** Announces the booking's closing if it is due and no one else is at it (the PUT that closes a chat at once). Never rejects. */
  async closeNow(bookingId: string): Promise<void> {
    await this.pass(bookingId);
  }

  /** Tells the members that the chat is open again. */
  async announceReopened(booking: BookingRow, closedAt: Date): Promise<void> {
    const { systemMessages, logger } = this.deps;
    try {
      const data = { closedAt: closedAt.toISOString() };
      await systemMessages.post(booking.booking_id, { type: CHAT_REOPENED, data }, `${CHAT_REOPENED}:${closedAt.getTime()}`);
    } catch (err) {
      logger.warn({ err, bookingId: booking.booking_id }, 'chat reopened, but its system message was not posted');
    }
  }

  private sweep(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Infinity;
    return this.serially(async () => {
      await this.announceDue();
      await this.scheduleNext();
    });
  }

  private pass(bookingId: string): Promise<void> {
    return this.serially(() => this.announceDue(bookingId));
  }

  /** One pass at a time in this process; stop waits for the one running. */
  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.running.then(work);
    this.running = next;
    return next;
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    let next: Date | undefined;
    try {
      next = await this.deps.bookings.nextClosing();
    } catch (err) {
      this.deps.logger.warn({ err }, 'next chat closing not looked up');
    }
    // Not sooner than SWEEP_MIN_MS: a closing due now but skipped (its row locked a moment) must not spin.
    const at = Math.max(Date.now() + SWEEP_MIN_MS, Math.min(Date.now() + SWEEP_MAX_MS, next?.getTime() ?? Infinity));
    this.wake(new Date(at));
  }

  private async announceDue(bookingId?: string): Promise<void> {
    const { bookings, logger } = this.deps;
    for (;;) {
      let claimed: BookingRow[];
      try {
        claimed = await bookings.claimDueClosings(new Date(), CLAIM_LEASE_MS, CLAIM_BATCH, bookingId);
      } catch (err) {
        logger.warn({ err }, 'closed chats not looked up: the next sweep tries again');
        return;
      }
      for (const booking of claimed) {
        try {
          await this.announceClosed(booking);
        } catch (err) {
          logger.warn({ err, bookingId: booking.booking_id }, 'closed chat not announced yet: retried once its claim runs out');
          // The homeserver is away: the rest would fail the same way.
          if (err instanceof AppError && err.code === 'unavailable') return;
        }
      }
      if (claimed.length < CLAIM_BATCH) return;
    }
  }

  private async announceClosed(booking: BookingRow): Promise<void> {
    const { bookings, systemMessages, chats, delivery, logger } = this.deps;
    const closesAt = booking.closes_at!;
    const data = { closedAt: closesAt.toISOString() };
    await systemMessages.post(booking.booking_id, { type: CHAT_CLOSED, data }, `${CHAT_CLOSED}:${closesAt.getTime()}`);
    if (!(await bookings.markCloseAnnounced(booking.booking_id, closesAt))) return;
    logger.info({ bookingId: booking.booking_id, closedAt: data.closedAt }, 'chat closed');
    await announceChat(chats, delivery, booking);
  }
}
