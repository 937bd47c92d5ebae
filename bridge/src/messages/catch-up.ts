// sync: everything in the user's chats after a cursor, in order, in pages. A device that kept
// the last cursor it saw gets every message it missed exactly once.
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageView } from './message-view.ts';

export interface SyncPage {
  messages: Message[];
  /** Messages removed (by moderation) since `since`: drop them from local storage. */
  deleted: { bookingId: string; messageId: string }[];
  /** Pass back as `since`: the last message's cursor, or `since` itself when nothing is new. */
  cursor: string;
  /** More messages wait after this page. */
  more: boolean;
}

export class CatchUp {
  private readonly messages: MessagesStore;
  private readonly view: MessageView;

  constructor(messages: MessagesStore, view: MessageView) {
    this.messages = messages;
    this.view = view;
  }

  async sync(userId: string, since: string | undefined, limit: number): Promise<SyncPage> {
    const after = since ?? '0';
    const { rows, more, deletions } = await this.messages.catchUp(userId, after, limit);
    const page = rows.map((row) => this.view.toMessage(row, userId));
    const last = [page.at(-1)?.cursor, deletions.at(-1)?.seq, after].filter((c): c is string => c !== undefined);
    const cursor = last.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
    return {
      messages: page,
      deleted: deletions.map((d) => ({ bookingId: d.booking_id, messageId: d.event_id })),
      cursor,
      more,
    };
  }
}
