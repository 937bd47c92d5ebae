// chats:list and chat:history.
import type { ChatList } from '../bookings/chat-list.ts';
import type { MessageHistory } from '../messages/history.ts';
import { chatHistorySchema, chatsListSchema } from '../protocol/schemas.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export function registerChatEvents(context: HandlerContext, chats: ChatList, history: MessageHistory): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'chats:list', chatsListSchema, async () => ({ chats: await chats.list(userId) }));
  onEvent(context, 'chat:history', chatHistorySchema, (request) => history.page(userId, request));
}
