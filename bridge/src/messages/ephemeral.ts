// Ephemeral events Synapse pushes with transactions (receipts, typing). They are not durable
// on the homeserver's side either, so they are handled after the transaction is answered.
import { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { Receipts } from './receipts.ts';
import type { TypingIndicators } from './typing.ts';

const typingSchema = z.object({
  type: z.literal('m.typing'),
  room_id: z.string(),
  content: z.object({ user_ids: z.array(z.string()) }),
});

const receiptSchema = z.object({
  type: z.literal('m.receipt'),
  room_id: z.string(),
  content: z.record(z.string(), z.object({ 'm.read': z.record(z.string(), z.unknown()).optional() })),
});

export class EphemeralEvents {
  private readonly receipts: Receipts;
  private readonly typing: TypingIndicators;
  private readonly logger: Logger;

  constructor(receipts: Receipts, typing: TypingIndicators, logger: Logger) {
    this.receipts = receipts;
    this.typing = typing;
    this.logger = logger;
  }

  async handle(events: unknown[]): Promise<void> {
    for (const raw of events) {
      try {
        const typing = typingSchema.safeParse(raw);
        if (typing.success) {
          await this.typing.fromMatrix(typing.data.room_id, typing.data.content.user_ids);
          continue;
        }
        const receipt = receiptSchema.safeParse(raw);
        if (!receipt.success) continue;
        for (const [eventId, kinds] of Object.entries(receipt.data.content)) {
          for (const userId of Object.keys(kinds['m.read'] ?? {})) {
            await this.receipts.fromMatrix(receipt.data.room_id, eventId, userId);
          }
        }
      } catch (err) {
        this.logger.warn({ err }, 'ephemeral event not handled');
      }
    }
  }
}
