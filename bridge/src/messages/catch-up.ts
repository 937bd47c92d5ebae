// sync: everything in the user's chats after a cursor, in order, in pages. A device that kept
// the last cursor it saw gets every message it missed exactly once.
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageView } from './row-to-message.ts';

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
    const rows = await this.messages.since(userId, after, limit + 1);
    const more = rows.length > limit;
    const page = (more ? rows.slice(0, limit) : rows).map((row) => this.view.toMessage(row));
    // Deletions up to the page's last cursor (or all of them on the last page), in the same order.
    const upTo = more ? page.at(-1)!.cursor : undefined;
    const deletions = await this.messages.deletionsBetween(userId, after, upTo);
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
