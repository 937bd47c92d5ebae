// Read-model row → the wire Message as one user sees it: image URLs are signed for that booking
// and that user (media-urls.ts), everything else is the same for every reader.
import type { MediaUrls } from '../media/media-urls.ts';
import type { Message, SenderRole } from '../protocol/types.ts';
import type { MessageRow } from '../store/rows.ts';

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

  toMessage(row: MessageRow, viewerId: string): Message {
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
  addressed(row: MessageRow, recipients: string[]): { userIds: string[]; message: Message }[] {
    if (row.kind !== 'image') return recipients.length === 0 ? [] : [{ userIds: recipients, message: this.toMessage(row, recipients[0]!) }];
    return recipients.map((userId) => ({ userIds: [userId], message: this.render(row, userId) }));
  }

  private render(row: MessageRow, viewerId: string): Message {
    const message: Message = {
      id: row.event_id,
      bookingId: row.booking_id,
      cursor: String(row.seq),
      sender: { id: row.sender_id, role: row.sender_role as SenderRole, name: row.sender_name },
      kind: row.kind,
      createdAt: new Date(row.created_at).toISOString(),
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

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
