// What follows a stored message, deletion, edit or reaction once Synapse has been answered: the
// live emit to the members' sockets (on every process), waking a request waiting for it, and for
// a message the pushes. The storing process runs them at once; the outbox drainer runs them for
// what a process left undone (it died, or a step failed), so each runs at least once
// (docs/architecture.md, "The outbox").
import type { FaultPoints } from '../observability/fault-points.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { OutboxStore } from '../store/outbox-store.ts';
import type { StoredMessageWaiters } from './stored-message-waiters.ts';
import type { UserDelivery } from './user-delivery.ts';
import type { StoredDeletion, StoredEdit, StoredMessage, StoredReaction } from './stored-changes.ts';
import type { MessageView } from './message-view.ts';
import type { MessageStates } from './message-states.ts';

export interface FollowUpsDeps {
  delivery: UserDelivery;
  waiters: StoredMessageWaiters;
  view: MessageView;
  /** What changed about a message since it was written (an edited message is emitted as it now is). */
  states: MessageStates;
  messages: Pick<MessagesStore, 'getInBooking'>;
  /** Queues the pushes for members whose apps are in the background, settling the message's outbox row. */
  pushes: { queue(message: Message, recipients: string[]): Promise<void> };
  outbox: Pick<OutboxStore, 'settle'>;
  faults: FaultPoints;
  metrics: Metrics;
}

export class FollowUps {
  private readonly deps: FollowUpsDeps;

  constructor(deps: FollowUpsDeps) {
    this.deps = deps;
  }

  /** Emits before anything is awaited (nothing stands between the commit and the chat), then queues the pushes. */
  async message({ row, recipients }: StoredMessage): Promise<void> {
    const { delivery, waiters, view, states, pushes, faults, metrics } = this.deps;
    // Only a reply has anything to read beside its row (the original's preview); a new message has no edits or reactions yet.
    const current = row.content.replyTo ? (await states.currentOf([row])).get(row.event_id) : undefined;
    for (const { userIds, message } of view.addressed(row, recipients, current)) delivery.emit(userIds, 'message', message);
    // The waiting sender's answer, as the sender sees it.
    const own = view.toMessage(row, row.sender_id, current);
    delivery.announceStored(own);
    waiters.notify(own);
    metrics.messagesDelivered.inc({ kind: row.kind });
    await faults.reached('after-emit');
    await pushes.queue(own, recipients);
  }

  async deletion({ bookingId, messageId, recipients }: StoredDeletion): Promise<void> {
    this.deps.delivery.emit(recipients, 'message:deleted', { bookingId, messageId });
    this.woken(messageId);
    await this.deps.outbox.settle('deletion', messageId);
  }

  /** Members get the whole message as it now is (the edit may be older than another one: the newest text wins). */
  async edit({ edit, recipients }: StoredEdit): Promise<void> {
    const { delivery, view, states, messages } = this.deps;
    const row = await messages.getInBooking(edit.booking_id, edit.target_event_id);
    if (row) {
      const current = (await states.currentOf([row])).get(row.event_id);
      for (const { userIds, message } of view.addressed(row, recipients, current)) delivery.emit(userIds, 'message:edited', message);
    }
    this.woken(edit.edit_event_id);
    await this.deps.outbox.settle('edit', edit.edit_event_id);
  }

  async reaction({ reaction, recipients }: StoredReaction): Promise<void> {
    const { reaction_event_id: eventId, booking_id: bookingId, target_event_id: messageId, user_id: userId, key } = reaction;
    this.deps.delivery.emit(recipients, 'reaction', { bookingId, messageId, userId, key, on: reaction.removed_at === null });
    this.woken(eventId);
    await this.deps.outbox.settle('reaction', eventId);
  }

  /** A request waiting for this change (on this process or another) looks again. */
  private woken(eventId: string): void {
    this.deps.waiters.wake(eventId);
    this.deps.delivery.announceChange(eventId);
  }
}
