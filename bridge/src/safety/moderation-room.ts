// The moderation room on the homeserver: where reports land for the support staff (configured
// Matrix user ids), who read them in Element. Created once per deployment by the bot.
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Logger } from '../observability/logger.ts';
import type { SafetyStore } from '../store/safety-store.ts';

const SETTING = 'moderation_room_id';
/** Staff may redact (power 50) in booking rooms they are brought into; members stay at 0. */
const STAFF_POWER = 50;

export class ModerationRoom {
  private readonly homeserver: Homeserver;
  private readonly safety: SafetyStore;
  private readonly staff: string[];
  private readonly logger: Logger;
  private roomId: string | undefined;

  constructor(homeserver: Homeserver, safety: SafetyStore, staff: string[], logger: Logger) {
    this.homeserver = homeserver;
    this.safety = safety;
    this.staff = staff;
    this.logger = logger;
  }

  /** Finds or creates the room and invites any configured staff not yet in it. */
  async ensure(): Promise<string> {
    const bot = this.homeserver.bot;
    let roomId = await this.safety.getSetting(SETTING);
    if (!roomId) {
      const created: string = await bot.matrixClient.createRoom({
        preset: 'private_chat',
        visibility: 'private',
        name: 'booking-chat moderation',
        topic: 'Reports from the apps. Open a booking room from a report to read, reply and redact.',
        creation_content: { 'm.federate': false },
      });
      roomId = await this.safety.claimSetting(SETTING, created);
      // Another bridge process created it first.
      if (roomId !== created) await bot.leave(created);
    }
    this.roomId = roomId;
    await this.inviteStaff(roomId);
    return roomId;
  }

  async post(text: string, html: string): Promise<string> {
    const roomId = this.roomId ?? (await this.ensure());
    const { event_id } = await this.homeserver.bot.sendMessage(roomId, {
      msgtype: 'm.notice',
      body: text,
      format: 'org.matrix.custom.html',
      formatted_body: html,
    });
    return event_id;
  }

  /** Brings the staff into a booking's room (invited, allowed to redact). */
  async openToStaff(bookingRoomId: string): Promise<void> {
    await this.inviteStaff(bookingRoomId);
    for (const userId of this.staff) {
      await this.homeserver.bot.setPowerLevel(bookingRoomId, userId, STAFF_POWER);
    }
  }

  private async inviteStaff(roomId: string): Promise<void> {
    const members = new Set(await this.homeserver.bot.matrixClient.getJoinedRoomMembers(roomId));
    for (const userId of this.staff) {
      if (members.has(userId)) continue;
      await this.homeserver.bot.invite(roomId, userId).catch((err: unknown) => {
        // Already invited, or the account does not exist yet: not a reason to fail a report.
        this.logger.warn({ err, userId, roomId }, 'staff not invited');
      });
    }
  }
}
