// Read-model row → the wire Message as one user sees it: image URLs are signed for that booking
// and that user (media-urls.ts), reactions say which are the reader's own; with what changed since
// the row was written (its newest edit, its reactions, the message it replies to, as they are now).
import type { MediaUrls } from '../media/media-urls.ts';
import type { Message, ReactionSummary, ReplyPreview, SenderRole } from '../protocol/types.ts';
import type { MessageState, ReplyTarget } from '../store/conversation-store.ts';
import type { MessageRow } from '../store/rows.ts';

/** A row's changes since it was written, read beside it; a row without any is rendered as it was. */
export interface CurrentState {
  state?: MessageState;
  /** What the message it replies to is now; absent when that one was deleted. */
  replyTarget?: ReplyTarget;
}

/** How much of the original a reply shows. */
const PREVIEW_GRAPHEMES = 100;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export class MessageView {
  private readonly urls: MediaUrls;
  /**
   * Rows are immutable and the store hands out the same row object while it caches it, so its
   * wire form is made once (frozen: shared by every reader). Images are made anew: their URLs
   * are signed at each read, for the user reading.
   */
  private readonly rendered = new WeakMap<MessageRow, Readonly<Message>>();

  constructor(urls: MediaUrls) {
    this.urls = urls;
  }

  toMessage(row: MessageRow, viewerId: string, current?: CurrentState): Message {
    const message = this.asWritten(row, viewerId);
    const { edit, reactions = [] } = current?.state ?? {};
    if (!edit && reactions.length === 0 && !row.content.replyTo) return message;
    const changed: Message = { ...message, reactions: summarise(reactions, viewerId) };
    if (edit) Object.assign(changed, { text: edit.text, editedAt: new Date(edit.at).toISOString() });
    if (row.content.replyTo) changed.replyTo = replyPreview(row.content.replyTo, current?.replyTarget);
    return changed;
  }

  private asWritten(row: MessageRow, viewerId: string): Message {
    if (row.kind === 'image') return this.render(row, viewerId);
    let message = this.rendered.get(row);
    if (!message) {
      message = deepFreeze(this.render(row, viewerId));
      this.rendered.set(row, message);
    }
    return message;
  }

  /**
   * The message for each of these recipients: one emit for all of them, except an image, whose
   * URLs differ per recipient (at most the booking's two members).
   */
  addressed(row: MessageRow, recipients: string[], current?: CurrentState): { userIds: string[]; message: Message }[] {
    if (row.kind !== 'image' && !current?.state?.reactions.length) {
      return recipients.length === 0 ? [] : [{ userIds: recipients, message: this.toMessage(row, recipients[0]!, current) }];
    }
    return recipients.map((userId) => ({ userIds: [userId], message: this.toMessage(row, userId, current) }));
  }

  private render(row: MessageRow, viewerId: string): Message {
    const message: Message = {
      id: row.event_id,
      bookingId: row.booking_id,
      cursor: String(row.seq),
      sender: { id: row.sender_id, role: row.sender_role as SenderRole, name: row.sender_name },
      kind: row.kind,
      createdAt: new Date(row.created_at).toISOString(),
      reactions: [],
    };
    const { text, system, image } = row.content;
    if (text !== undefined) message.text = text;
    if (system) message.system = system;
    if (image) {
      const url = this.urls.sign(row.booking_id, viewerId, image.mxc, 'image') ?? '';
      message.image = {
        url,
        thumbnailUrl: this.urls.sign(row.booking_id, viewerId, image.thumbnailMxc ?? image.mxc, 'thumbnail') ?? url,
        width: image.width,
        height: image.height,
        mimetype: image.mimetype,
        size: image.size,
      };
    }
    if (row.client_id) message.clientId = row.client_id;
    return message;
  }
}

/** One entry per key, in the order the keys were first given. */
function summarise(reactions: MessageState['reactions'], viewerId: string): ReactionSummary[] {
  const byKey = new Map<string, ReactionSummary>();
  for (const { key, userId } of reactions) {
    const summary = byKey.get(key) ?? { key, count: 0, mine: false };
    summary.count += 1;
    summary.mine ||= userId === viewerId;
    byKey.set(key, summary);
  }
  return [...byKey.values()];
}

function replyPreview(original: NonNullable<MessageRow['content']['replyTo']>, now: ReplyTarget | undefined): ReplyPreview {
  const sender = { id: original.senderId, role: original.senderRole as SenderRole, name: original.senderName };
  if (!now) return { id: original.eventId, sender, preview: null };
  const text = now.text ?? (now.kind === 'image' ? 'Photo' : '');
  const parts = [...graphemes.segment(text)];
  const preview =
    parts.length > PREVIEW_GRAPHEMES
      ? `${parts
          .slice(0, PREVIEW_GRAPHEMES)
          .map((p) => p.segment)
          .join('')}…`
      : text;
  return { id: original.eventId, sender, preview };
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
