// Read-model row → the wire Message, with image URLs signed for that booking.
import type { MediaUrls } from '../media/media-urls.ts';
import type { Message, SenderRole } from '../protocol/types.ts';
import type { MessageRow } from '../store/messages-store.ts';

export class MessageView {
  private readonly urls: MediaUrls;
  /**
   * Rows are immutable and the store hands out the same row object while it caches it, so its
   * wire form is made once (frozen: shared by every reader). Images are made anew: their URLs
   * are signed at each read.
   */
  private readonly rendered = new WeakMap<MessageRow, Readonly<Message>>();

  constructor(urls: MediaUrls) {
    this.urls = urls;
  }

  toMessage(row: MessageRow): Message {
    if (row.kind === 'image') return this.render(row);
    let message = this.rendered.get(row);
    if (!message) {
      message = deepFreeze(this.render(row));
      this.rendered.set(row, message);
    }
    return message;
  }

  private render(row: MessageRow): Message {
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
      const url = this.urls.sign(row.booking_id, image.mxc, 'image') ?? '';
      message.image = {
        url,
        thumbnailUrl: this.urls.sign(row.booking_id, image.thumbnailMxc ?? image.mxc, 'thumbnail') ?? url,
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
