// sync: everything in the user's chats after a cursor, in order, in pages. A device that kept
// the last cursor it saw gets every message it missed exactly once, every message deleted since,
// and every older message that was edited or reacted to since, once each, as it now is.
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageStates } from './message-states.ts';

export interface SyncPage {
  messages: Message[];
  /** Messages removed since `since`: drop them from local storage. */
  deleted: { bookingId: string; messageId: string }[];
  /** Messages from before `since` changed after it (edits, reactions): replace the local copy. */
  changed: Message[];
  /** Pass back as `since`: the newest cursor of what this page carries, or `since` itself when nothing is new. */
  cursor: string;
  /** More messages wait after this page. */
  more: boolean;
}

export class CatchUp {
  private readonly messages: MessagesStore;
  private readonly states: MessageStates;

  constructor(messages: MessagesStore, states: MessageStates) {
    this.messages = messages;
    this.states = states;
  }

  async sync(userId: string, since: string | undefined, limit: number): Promise<SyncPage> {
    const after = since ?? '0';
    const { rows, more, deletions, changed } = await this.messages.catchUp(userId, after, limit);
    const rendered = await this.states.render([...rows, ...changed.rows], userId);
    const page = rendered.slice(0, rows.length);
    const changedPage = rendered.slice(rows.length);
    const last = [page.at(-1)?.cursor, deletions.at(-1)?.seq, changed.last ?? undefined, after].filter((c): c is string => c !== undefined);
    const cursor = last.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
    return {
      messages: page,
      deleted: deletions.map((d) => ({ bookingId: d.booking_id, messageId: d.event_id })),
      changed: changedPage,
      cursor,
      more,
    };
  }
}
