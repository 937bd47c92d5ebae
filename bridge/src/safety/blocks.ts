// Blocking: the blocked user's messages, images, typing and receipts stop reaching the
// blocker, and their sends into a chat with the blocker fail with `blocked`. Stored in
// PostgreSQL (every device, every restart) and mirrored in Matrix as the blocker's
// m.ignored_user_list, so Element-side tools see it too.
import type { Homeserver } from '../matrix/homeserver.ts';
import { SUPPORT_SENDER, SYSTEM_SENDER } from '../messages/event-senders.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { BookingsStore, MemberBlocks } from '../store/bookings-store.ts';
import type { SafetyStore } from '../store/safety-store.ts';

/** The booking system and support staff speak for the platform: their messages are never hidden. */
const UNBLOCKABLE = new Set([SYSTEM_SENDER.id, SUPPORT_SENDER.id]);

export class Blocks {
  private readonly safety: SafetyStore;
  private readonly bookings: BookingsStore;
  private readonly homeserver: Homeserver;
  private readonly logger: Logger;
  /** BLOCKS_MAX: each block is a row, checked on every send and rewritten into Matrix whole. */
  private readonly max: number;

  constructor(safety: SafetyStore, bookings: BookingsStore, homeserver: Homeserver, logger: Logger, max: number) {
    this.safety = safety;
    this.bookings = bookings;
    this.homeserver = homeserver;
    this.logger = logger;
    this.max = max;
  }

  async block(userId: string, targetId: string): Promise<void> {
    if (userId === targetId) throw new AppError('invalid', 'you cannot block yourself');
    if (UNBLOCKABLE.has(targetId)) throw new AppError('invalid', 'booking and support messages cannot be blocked');
    // Only people you share a booking with can reach you; anyone else would be a row per stranger.
    if (!(await this.bookings.shareABooking(userId, targetId))) {
      throw new AppError('invalid', 'you can only block someone you share a booking with');
    }
    const blocked = await this.safety.blockedBy(userId);
    if (blocked.includes(targetId)) return;
    // Waiting would not help, so not rate_limited: the user must unblock someone first.
    if (blocked.length >= this.max)
      throw new AppError('too_large', `you have blocked ${this.max} people, the most allowed: unblock someone first`);
    if (await this.safety.block(userId, targetId)) {
      await this.safety.audit({ actor: userId, action: 'user.block', target: targetId });
      await this.mirror(userId);
    }
  }

  async unblock(userId: string, targetId: string): Promise<void> {
    if (await this.safety.unblock(userId, targetId)) {
      await this.safety.audit({ actor: userId, action: 'user.unblock', target: targetId });
      await this.mirror(userId);
    }
  }

  list(userId: string): Promise<string[]> {
    return this.safety.blockedBy(userId);
  }

  /** `blocked` when the other member blocked the sender (from the booking read with the blocks between its members). */
  requireNotBlocked(booking: MemberBlocks, senderId: string): void {
    if (booking.member_blockers.some((blocker) => blocker !== senderId)) {
      throw new AppError('blocked', 'this person has blocked you');
    }
  }

  /** Writes the whole list: m.ignored_user_list is replaced, not patched. */
  private async mirror(userId: string): Promise<void> {
    const ids = this.homeserver.ids;
    const ignored = Object.fromEntries((await this.safety.blockedBy(userId)).map((id) => [ids.appUser(id), {}]));
    const intent = this.homeserver.intentFor(userId);
    const path = `/_matrix/client/v3/user/${encodeURIComponent(ids.appUser(userId))}/account_data/m.ignored_user_list`;
    try {
      await intent.ensureRegistered();
      await intent.matrixClient.doRequest('PUT', path, null, { ignored_users: ignored });
    } catch (err) {
      // The bridge's own table is what enforces blocks; Matrix only mirrors it.
      this.logger.warn({ err, userId }, 'm.ignored_user_list not updated');
    }
  }
}
