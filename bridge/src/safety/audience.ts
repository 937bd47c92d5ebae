// Who sees what a member does in a booking: the members, less anyone who blocked the actor.
import { membersOf } from '../bookings/members.ts';
import type { BookingRow, MemberBlocks } from '../store/bookings-store.ts';
import type { SafetyStore } from '../store/safety-store.ts';

export class Audience {
  private readonly safety: SafetyStore;

  constructor(safety: SafetyStore) {
    this.safety = safety;
  }

  /** With the blocks between the members read beside the booking (`getByRoomsWithMembers`), no lookup. */
  async of(booking: BookingRow & Partial<MemberBlocks>, actorId: string): Promise<string[]> {
    const members = membersOf(booking);
    const blockers = booking.member_blockers
      ? new Set(booking.member_blockers.filter((blocker) => blocker !== actorId && members.includes(actorId)))
      : await this.safety.blockersAmong(actorId, members);
    return members.filter((member) => !blockers.has(member));
  }
}
