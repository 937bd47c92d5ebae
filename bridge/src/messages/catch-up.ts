// sync: everything in the user's chats after a cursor, in order, in pages. A device that kept
// the last cursor it saw gets every message it missed exactly once.
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import { rowToMessage } from './row-to-message.ts';

export interface SyncPage {
  messages: Message[];
  /** Pass back as `since`: the last message's cursor, or `since` itself when nothing is new. */
  cursor: string;
  /** More messages wait after this page. */
  more: boolean;
}

export class CatchUp {
  private readonly messages: MessagesStore;

  constructor(messages: MessagesStore) {
    this.messages = messages;
  }

  async sync(userId: string, since: string | undefined, limit: number): Promise<SyncPage> {
    const after = since ?? '0';
    const rows = await this.messages.since(userId, after, limit + 1);
    const more = rows.length > limit;
    const page = (more ? rows.slice(0, limit) : rows).map(rowToMessage);
    return { messages: page, cursor: page.at(-1)?.cursor ?? after, more };
  }
}
