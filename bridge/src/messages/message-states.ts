// Rows → Messages as they are now: one read of the edits, reactions and reply targets of a whole
// page beside the (immutable, cached) rows, then each row rendered for its reader.
import type { Message } from '../protocol/types.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { MessageRow } from '../store/rows.ts';
import type { CurrentState, MessageView } from './message-view.ts';

export class MessageStates {
  private readonly conversation: ConversationStore;
  private readonly view: MessageView;

  constructor(conversation: ConversationStore, view: MessageView) {
    this.conversation = conversation;
    this.view = view;
  }

  /** Each row as `viewerId` sees it now, in the same order. */
  async render(rows: MessageRow[], viewerId: string): Promise<Message[]> {
    const current = await this.currentOf(rows);
    return rows.map((row) => this.view.toMessage(row, viewerId, current.get(row.event_id)));
  }

  async renderOne(row: MessageRow, viewerId: string): Promise<Message> {
    return (await this.render([row], viewerId))[0]!;
  }

  /** What changed about each of these rows, by event id. */
  async currentOf(rows: MessageRow[]): Promise<Map<string, CurrentState>> {
    const replyTargets = rows.flatMap((row) => (row.content.replyTo ? [row.content.replyTo.eventId] : []));
    const read = await this.conversation.states(
      rows.filter((row) => row.seq !== '0').map((row) => row.event_id),
      replyTargets,
    );
    const current = new Map<string, CurrentState>();
    for (const row of rows) {
      const target = row.content.replyTo && read.replyTargets.get(row.content.replyTo.eventId);
      current.set(row.event_id, { state: read.states.get(row.event_id), ...(target && { replyTarget: target }) });
    }
    return current;
  }
}
