// Finishes what a bridge process left undone after storing: it died between the commit and the
// follow-ups (or a follow-up failed), and Synapse, answered or about to replay a transaction that
// now stores nothing new, will not bring those messages again. Every process runs one; each claims
// outbox rows past their grace and runs the follow-ups the storing process would have run.
import type { Logger } from '../observability/logger.ts';
import { PeriodicPasses } from '../shared/periodic-passes.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Audience } from '../safety/audience.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { OutboxEntry, OutboxStore } from '../store/outbox-store.ts';
import type { FollowUps } from './follow-ups.ts';
import { membersOf } from '../bookings/members.ts';

const BATCH = 32;
const POLL_MS = 2000;
/** Time a drainer has to finish a claimed row before another may take it. */
const LEASE_MS = 60_000;
/** A row that fails this often (a minute apart) is given up, logged: nothing wedges the outbox. */
const MAX_ATTEMPTS = 10;

export interface OutboxDrainerDeps {
  outbox: OutboxStore;
  bookings: BookingsStore;
  messages: MessagesStore;
  conversation: Pick<ConversationStore, 'edit' | 'reaction'>;
  audience: Audience;
  followUps: FollowUps;
  metrics: Metrics;
  logger: Logger;
}

export class OutboxDrainer {
  private readonly deps: OutboxDrainerDeps;
  private readonly passes: PeriodicPasses;

  constructor(deps: OutboxDrainerDeps) {
    this.deps = deps;
    this.passes = new PeriodicPasses({ name: 'outbox', everyMs: POLL_MS, pass: () => this.drain(), logger: deps.logger });
  }

  start(): void {
    this.passes.start();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const entries = await this.deps.outbox.claim(BATCH, LEASE_MS);
      if (entries.length === 0) return;
      await Promise.all(entries.map((entry) => this.finish(entry)));
      if (!this.passes.started) return;
    }
  }

  private async finish(entry: OutboxEntry): Promise<void> {
    const { outbox, metrics, logger } = this.deps;
    const where = { kind: entry.kind, eventId: entry.event_id, attempts: entry.attempts };
    try {
      const outcome = entry.attempts > MAX_ATTEMPTS ? 'dropped' : await this.followUp(entry);
      if (outcome !== 'done') await outbox.settle(entry.kind, entry.event_id);
      if (outcome === 'dropped') logger.error(where, 'outbox entry given up');
      else logger.info({ ...where, outcome }, 'outbox entry finished for a process that did not');
      metrics.outboxDrained.inc({ kind: entry.kind, outcome });
    } catch (err) {
      logger.warn({ err, ...where }, 'outbox entry failed: retried after its lease');
    }
  }

  /**
   * `gone`: the booking, the message, the edit or the reaction no longer exists, so nothing is
   * left to follow. Addressed from the booking's row as it is now: a member who left meanwhile gets nothing.
   */
  private async followUp(entry: OutboxEntry): Promise<'done' | 'gone'> {
    const { bookings, messages, conversation, audience, followUps } = this.deps;
    const booking = await bookings.get(entry.booking_id);
    if (!booking) return 'gone';
    switch (entry.kind) {
      case 'deletion':
        await followUps.deletion({ bookingId: booking.booking_id, messageId: entry.event_id, recipients: membersOf(booking) });
        return 'done';
      case 'message': {
        const row = await messages.getByEventId(entry.event_id);
        if (!row) return 'gone';
        await followUps.message({ row, recipients: await audience.of(booking, row.sender_id) });
        return 'done';
      }
      case 'edit': {
        const edit = await conversation.edit(entry.event_id);
        if (!edit) return 'gone';
        await followUps.edit({ edit, recipients: await audience.of(booking, edit.sender_id) });
        return 'done';
      }
      case 'reaction': {
        const reaction = await conversation.reaction(entry.event_id);
        if (!reaction) return 'gone';
        await followUps.reaction({ reaction, recipients: await audience.of(booking, reaction.user_id) });
        return 'done';
      }
    }
  }
}
