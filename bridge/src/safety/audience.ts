// Who sees what a member does in a booking: the members, less anyone who blocked the actor.
import { membersOf } from '../bookings/members.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { SafetyStore } from '../store/safety-store.ts';

export class Audience {
  private readonly safety: SafetyStore;

  constructor(safety: SafetyStore) {
    this.safety = safety;
  }

  async of(booking: BookingRow, actorId: string): Promise<string[]> {
    const members = membersOf(booking);
    const blockers = await this.safety.blockersAmong(actorId, members);
    return members.filter((member) => !blockers.has(member));
  }
}
