// chats:list, chat:history and sync.
import type { ChatList } from '../bookings/chat-list.ts';
import type { CatchUp } from '../messages/catch-up.ts';
import type { MessageHistory } from '../messages/history.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface ChatServices {
  chats: ChatList;
  history: MessageHistory;
  catchUp: CatchUp;
}

export function registerChatEvents(context: HandlerContext, { chats, history, catchUp }: ChatServices): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'chats:list', async () => ({ chats: await chats.list(userId) }));
  onEvent(context, 'chat:history', (request) => history.page(userId, request));
  onEvent(context, 'sync', (request) => catchUp.sync(userId, request.since, request.limit));
}
