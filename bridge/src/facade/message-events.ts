// message:send, message:edit, message:delete, message:react, message:unreact, message:read and typing.
import type { MessageActions } from '../messages/message-actions.ts';
import type { Receipts } from '../messages/receipts.ts';
import type { TextSends } from '../messages/text-sends.ts';
import type { TypingIndicators } from '../messages/typing.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface MessageServices {
  sending: TextSends;
  actions: MessageActions;
  receipts: Receipts;
  typing: TypingIndicators;
}

export function registerMessageEvents(context: HandlerContext, { sending, actions, receipts, typing }: MessageServices): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'message:send', async (request) => {
    const timer = context.metrics.sendDuration.startTimer();
    try {
      return { message: await sending.sendText(userId, request) };
    } finally {
      timer();
    }
  });
  onEvent(context, 'message:edit', async (request) => ({ message: await actions.edit(userId, request) }));
  onEvent(context, 'message:delete', async (request) => {
    await actions.delete(userId, request);
    return {};
  });
  onEvent(context, 'message:react', async (request) => {
    await actions.react(userId, request);
    return {};
  });
  onEvent(context, 'message:unreact', async (request) => {
    await actions.unreact(userId, request);
    return {};
  });
  onEvent(context, 'message:read', async (request) => {
    await receipts.markRead(userId, request.bookingId, request.messageId);
    return {};
  });
  onEvent(context, 'typing', async (request) => {
    await typing.set(userId, request.bookingId, request.typing);
    return {};
  });
}
