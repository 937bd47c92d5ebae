// message:send, message:read and typing.
import type { Receipts } from '../messages/receipts.ts';
import type { TextSends } from '../messages/text-sends.ts';
import type { TypingIndicators } from '../messages/typing.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface MessageServices {
  sending: TextSends;
  receipts: Receipts;
  typing: TypingIndicators;
}

export function registerMessageEvents(context: HandlerContext, { sending, receipts, typing }: MessageServices): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'message:send', async (request) => {
    const timer = context.metrics.sendDuration.startTimer();
    try {
      return { message: await sending.sendText(userId, request) };
    } finally {
      timer();
    }
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
