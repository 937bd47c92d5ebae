// message:send.
import type { MessageSending } from '../messages/sending.ts';
import { messageSendSchema } from '../protocol/schemas.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export function registerMessageEvents(context: HandlerContext, sending: MessageSending): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'message:send', messageSendSchema, async (request) => {
    const timer = context.metrics.sendDuration.startTimer();
    try {
      return { message: await sending.sendText(userId, request) };
    } finally {
      timer();
    }
  });
}
