// What follows a stored message or deletion once Synapse has been answered: the live emit to the
// members' sockets (on every process), waking a sender waiting for it, and the pushes. The
// storing process runs them at once; the outbox drainer runs them for what a process left undone
// (it died, or a step failed), so each runs at least once (docs/architecture.md, "The outbox").
import type { FaultPoints } from '../observability/fault-points.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Message } from '../protocol/types.ts';
import type { OutboxStore } from '../store/outbox-store.ts';
import type { StoredMessageWaiters } from './stored-message-waiters.ts';
import type { UserDelivery } from './user-delivery.ts';
import type { StoredDeletion, StoredMessage } from './stored-changes.ts';
import type { MessageView } from './message-view.ts';

export interface FollowUpsDeps {
  delivery: UserDelivery;
  waiters: StoredMessageWaiters;
  view: MessageView;
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
    const { delivery, waiters, view, pushes, faults, metrics } = this.deps;
    for (const { userIds, message } of view.addressed(row, recipients)) delivery.emit(userIds, 'message', message);
    // The waiting sender's answer, as the sender sees it.
    const own = view.toMessage(row, row.sender_id);
    delivery.announceStored(own);
    waiters.notify(own);
    metrics.messagesDelivered.inc({ kind: row.kind });
    await faults.reached('after-emit');
    await pushes.queue(own, recipients);
  }

  async deletion({ bookingId, messageId, recipients }: StoredDeletion): Promise<void> {
    this.deps.delivery.emit(recipients, 'message:deleted', { bookingId, messageId });
    await this.deps.outbox.settle('deletion', messageId);
  }
}
