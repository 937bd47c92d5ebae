// message:send: an app user's text, checked, filtered and sent once per clientId (see
// send-pipeline.ts); a reply names a message of the same chat (`m.in_reply_to`).
import { AppError } from '../protocol/errors.ts';
import type { MessageSendRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { SendPipeline } from './send-pipeline.ts';

/** What every text an app user writes must be (a send or an edit). */
export function checkText(text: string, maxLength: number): void {
  if (text.trim() === '') throw new AppError('invalid', 'text is empty');
  if (text.length > maxLength) throw new AppError('too_large', `text is longer than ${maxLength} characters`);
}

export class TextSends {
  private readonly pipeline: SendPipeline;
  private readonly messages: Pick<MessagesStore, 'getInBooking'>;
  private readonly maxTextLength: number;

  constructor(pipeline: SendPipeline, messages: Pick<MessagesStore, 'getInBooking'>, maxTextLength: number) {
    this.pipeline = pipeline;
    this.messages = messages;
    this.maxTextLength = maxTextLength;
  }

  async sendText(userId: string, request: MessageSendRequest): Promise<Message> {
    checkText(request.text, this.maxTextLength);
    const booking = await this.pipeline.admit(userId, request.bookingId, request.clientId);
    const { replyTo } = request;
    if (replyTo !== undefined && !(await this.messages.getInBooking(booking.booking_id, replyTo))) {
      throw new AppError('not_found', 'replyTo: no such message in this chat');
    }
    const screened = await this.pipeline.screen(userId, booking, request.text);
    return this.pipeline.sendOnce(
      userId,
      booking,
      request.clientId,
      async () => ({
        msgtype: 'm.text',
        body: screened.text,
        ...(replyTo !== undefined && { 'm.relates_to': { 'm.in_reply_to': { event_id: replyTo } } }),
      }),
      screened.flags,
    );
  }
}
