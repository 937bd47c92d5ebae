// message:edit, message:delete, message:react and message:unreact: what an app user does to a
// message already in the chat. Each is checked here, sent to Matrix as Element would send it
// (`m.replace`, a redaction, `m.annotation`), and answered once the change has come back through
// the one road and is in the read model, so that history and sync already show it.
import { randomUUID } from 'node:crypto';
import type { BookingAccess } from '../bookings/access.ts';
import { assertOpen } from '../bookings/chat-closing.ts';
import { errcodeOf, fromMatrixError, onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { MessageDeleteRequest, MessageEditRequest, MessageReactRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageRow } from '../store/rows.ts';
import type { MessageStates } from './message-states.ts';
import type { SendPipeline } from './send-pipeline.ts';
import type { StoredMessageWaiters } from './stored-message-waiters.ts';
import { checkText } from './text-sends.ts';

/** Different keys one message may carry (as Discord's 20): every read of the message carries them all. */
const MAX_REACTION_KEYS = 20;

export interface MessageActionsDeps {
  pipeline: SendPipeline;
  access: BookingAccess;
  homeserver: Homeserver;
  messages: Pick<MessagesStore, 'getInBooking' | 'wasDeleted'>;
  conversation: ConversationStore;
  states: MessageStates;
  waiters: StoredMessageWaiters;
  /** Deletes a deleted image's media from Synapse; without it (no admin token) the media stays. */
  synapseAdmin: Pick<SynapseAdmin, 'deleteMedia'> | undefined;
  maxTextLength: number;
  logger: Logger;
}

export class MessageActions {
  private readonly deps: MessageActionsDeps;

  constructor(deps: MessageActionsDeps) {
    this.deps = deps;
  }

  /** A new text for one's own text message, screened as a send is; answers the message as it now is. */
  async edit(userId: string, { bookingId, messageId, text }: MessageEditRequest): Promise<Message> {
    const { pipeline, homeserver, conversation, states, waiters } = this.deps;
    checkText(text, this.deps.maxTextLength);
    const booking = await this.writable(userId, bookingId);
    const original = await this.ownMessage(userId, booking, messageId);
    if (original.kind !== 'text') throw new AppError('invalid', 'only text messages can be edited');
    const screened = await pipeline.screen(userId, booking, text);
    const content = {
      msgtype: 'm.text',
      // What a client that does not know edits shows (the Matrix convention).
      body: `* ${screened.text}`,
      'm.new_content': { msgtype: 'm.text', body: screened.text },
      'm.relates_to': { rel_type: 'm.replace', event_id: messageId },
    };
    const editId = await onHomeserver(() =>
      homeserver.sendIdempotent(
        homeserver.intentFor(userId),
        booking.room_id,
        `edit\n${messageId}\n${screened.text}`,
        'm.room.message',
        content,
      ),
    );
    await waiters.until({ eventId: editId, roomId: booking.room_id }, async () => ((await conversation.edit(editId)) ? true : undefined));
    const message = await states.renderOne(original, userId);
    if (screened.flags.length > 0) pipeline.flag(booking, message, screened.flags);
    return message;
  }

  /** Deletes one's own message for everyone (an image's media too); deleting it again is a no-op. */
  async delete(userId: string, { bookingId, messageId }: MessageDeleteRequest): Promise<void> {
    const { access, homeserver, messages, waiters } = this.deps;
    // Blocked or not: one's own words can always be taken back (but not in a closed chat).
    const booking = await access.requireMember(userId, bookingId);
    assertOpen(booking);
    if (await messages.wasDeleted(bookingId, messageId)) return;
    const message = await this.ownMessage(userId, booking, messageId);
    await onHomeserver(() =>
      homeserver.redactIdempotent(homeserver.intentFor(userId), booking.room_id, messageId, 'deleted by its sender'),
    );
    await waiters.until({ eventId: messageId, roomId: booking.room_id }, async () =>
      (await messages.getInBooking(bookingId, messageId)) ? undefined : true,
    );
    await this.deleteMedia(message);
  }

  /** Adds one emoji to a message; a key the user already gave there is a no-op. */
  async react(userId: string, { bookingId, messageId, key }: MessageReactRequest): Promise<void> {
    const { homeserver, conversation, waiters } = this.deps;
    const booking = await this.writable(userId, bookingId);
    await this.messageOf(booking, messageId);
    const given = () => conversation.activeReaction(messageId, userId, key);
    if (await given()) return;
    // A key the message already carries is always fine; a new one only while there is room.
    const keys = await conversation.keysOn(messageId);
    if (keys.size >= MAX_REACTION_KEYS && !keys.has(key)) {
      throw new AppError('too_large', `a message carries at most ${MAX_REACTION_KEYS} different reactions`);
    }
    const content = { 'm.relates_to': { rel_type: 'm.annotation', event_id: messageId, key } };
    let reactionId: string;
    try {
      // A new transaction each time: after an unreact the same key may be given again.
      reactionId = await homeserver.sendIdempotent(homeserver.intentFor(userId), booking.room_id, randomUUID(), 'm.reaction', content);
    } catch (error) {
      // Synapse refuses the same key twice from one sender: given by a request that raced this one.
      if (errcodeOf(error) === 'M_DUPLICATE_ANNOTATION') return;
      throw fromMatrixError(error);
    }
    await waiters.until({ eventId: reactionId, roomId: booking.room_id }, async () => ((await given()) ? true : undefined));
  }

  /** Takes one's reaction back; one that is not there is a no-op. */
  async unreact(userId: string, { bookingId, messageId, key }: MessageReactRequest): Promise<void> {
    const { homeserver, conversation, waiters } = this.deps;
    const booking = await this.writable(userId, bookingId);
    const reaction = await conversation.activeReaction(messageId, userId, key);
    if (!reaction || reaction.booking_id !== booking.booking_id) return;
    const reactionId = reaction.reaction_event_id;
    await onHomeserver(() => homeserver.redactIdempotent(homeserver.intentFor(userId), booking.room_id, reactionId));
    await waiters.until({ eventId: reactionId, roomId: booking.room_id }, async () =>
      (await conversation.reaction(reactionId))?.removed_at ? true : undefined,
    );
  }

  /** The booking, when `userId` may write into its chat now: a member, not blocked, the chat open. */
  private async writable(userId: string, bookingId: string): Promise<BookingRow> {
    const booking = await this.deps.pipeline.admit(userId, bookingId);
    assertOpen(booking);
    return booking;
  }

  private async messageOf(booking: BookingRow, messageId: string): Promise<MessageRow> {
    const row = await this.deps.messages.getInBooking(booking.booking_id, messageId);
    if (!row) throw new AppError('not_found', 'no such message in this chat');
    return row;
  }

  /** The message, when `userId` wrote it (by Matrix sender: a platform id may look like "support"). */
  private async ownMessage(userId: string, booking: BookingRow, messageId: string): Promise<MessageRow> {
    const row = await this.messageOf(booking, messageId);
    if (row.sender_mxid !== this.deps.homeserver.ids.appUser(userId)) throw new AppError('forbidden', 'only your own messages');
    return row;
  }

  /** The message is already gone for everyone: a media deletion that fails is logged, not answered. */
  private async deleteMedia(message: MessageRow): Promise<void> {
    const image = message.content.image;
    if (!image) return;
    const { synapseAdmin, logger } = this.deps;
    if (!synapseAdmin) {
      logger.warn({ eventId: message.event_id }, 'deleted image media stays in Synapse: no admin token');
      return;
    }
    for (const mxc of new Set([image.mxc, image.thumbnailMxc ?? image.mxc])) {
      await synapseAdmin
        .deleteMedia(mxc)
        .catch((err: unknown) => logger.error({ err, eventId: message.event_id }, 'media of a deleted image not deleted'));
    }
  }
}
