// Blocking: the blocked user's messages, images, typing and receipts stop reaching the
// blocker, and their sends into a chat with the blocker fail with `blocked`. Stored in
// PostgreSQL (every device, every restart) and mirrored in Matrix as the blocker's
// m.ignored_user_list, so Element-side tools see it too.
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { SafetyStore } from '../store/safety-store.ts';

export class Blocks {
  private readonly safety: SafetyStore;
  private readonly homeserver: Homeserver;
  private readonly logger: Logger;

  constructor(safety: SafetyStore, homeserver: Homeserver, logger: Logger) {
    this.safety = safety;
    this.homeserver = homeserver;
    this.logger = logger;
  }

  async block(userId: string, targetId: string): Promise<void> {
    if (userId === targetId) throw new AppError('invalid', 'you cannot block yourself');
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

  /** Throws `blocked` when any of `recipients` blocked `senderId`. */
  async requireNotBlocked(senderId: string, recipients: string[]): Promise<void> {
    if ((await this.safety.blockersAmong(senderId, recipients)).size > 0) {
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
