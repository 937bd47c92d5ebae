// message:send: an app user's text, checked, filtered and sent once per clientId (see outgoing.ts).
import { AppError } from '../protocol/errors.ts';
import type { MessageSendRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { Outgoing } from './outgoing.ts';

export class MessageSending {
  private readonly outgoing: Outgoing;
  private readonly maxTextLength: number;

  constructor(outgoing: Outgoing, maxTextLength: number) {
    this.outgoing = outgoing;
    this.maxTextLength = maxTextLength;
  }

  async sendText(userId: string, request: MessageSendRequest): Promise<Message> {
    const text = request.text;
    if (text.trim() === '') throw new AppError('invalid', 'text is empty');
    if (text.length > this.maxTextLength) throw new AppError('too_large', `text is longer than ${this.maxTextLength} characters`);
    const booking = await this.outgoing.admit(userId, request.bookingId);
    const screened = await this.outgoing.screen(userId, booking, text);
    return this.outgoing.sendOnce(userId, booking, request.clientId, async () => ({ msgtype: 'm.text', body: screened.text }), screened.flags);
  }
}
