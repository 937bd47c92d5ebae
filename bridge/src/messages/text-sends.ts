// message:send: an app user's text, checked, filtered and sent once per clientId (see send-pipeline.ts).
import { AppError } from '../protocol/errors.ts';
import type { MessageSendRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { SendPipeline } from './send-pipeline.ts';

export class TextSends {
  private readonly pipeline: SendPipeline;
  private readonly maxTextLength: number;

  constructor(pipeline: SendPipeline, maxTextLength: number) {
    this.pipeline = pipeline;
    this.maxTextLength = maxTextLength;
  }

  async sendText(userId: string, request: MessageSendRequest): Promise<Message> {
    const text = request.text;
    if (text.trim() === '') throw new AppError('invalid', 'text is empty');
    if (text.length > this.maxTextLength) throw new AppError('too_large', `text is longer than ${this.maxTextLength} characters`);
    const booking = await this.pipeline.admit(userId, request.bookingId);
    const screened = await this.pipeline.screen(userId, booking, text);
    return this.pipeline.sendOnce(
      userId,
      booking,
      request.clientId,
      async () => ({ msgtype: 'm.text', body: screened.text }),
      screened.flags,
    );
  }
}
