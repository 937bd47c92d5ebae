// Photos in the chat: checked and cleaned, stored in Synapse's media repository through the
// sender's intent, sent as m.image with its size, dimensions and thumbnail; the answer waits
// for the stored message like message:send. Idempotent on clientId.
import { randomUUID } from 'node:crypto';
import type { BookingAccess } from '../bookings/access.ts';
import { fromMatrixError } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { MessageArrivals } from '../messages/arrivals.ts';
import { CONTENT_CLIENT_ID } from '../messages/matrix-event.ts';
import { membersOf } from '../messages/road.ts';
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { Blocks } from '../safety/blocks.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import type { SendsStore } from '../store/sends-store.ts';
import { cleanImage, type ImageLimits } from './image-cleaner.ts';

export interface ImageSendingDeps {
  homeserver: Homeserver;
  access: BookingAccess;
  sends: SendsStore;
  arrivals: MessageArrivals;
  blocks: Blocks;
  limiter: RateLimiter;
  limits: ImageLimits;
  maxCaptionLength: number;
}

export interface ImageUpload {
  bookingId: string;
  image: Buffer;
  clientId?: string;
  caption?: string;
}

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };

export class ImageSending {
  private readonly deps: ImageSendingDeps;

  constructor(deps: ImageSendingDeps) {
    this.deps = deps;
  }

  async send(userId: string, upload: ImageUpload): Promise<Message> {
    const { access, sends, arrivals, blocks, limiter, homeserver, limits, maxCaptionLength } = this.deps;
    if (upload.caption !== undefined && upload.caption.length > maxCaptionLength) {
      throw new AppError('too_large', `caption is longer than ${maxCaptionLength} characters`);
    }
    await limiter.consume('upload', userId);
    const booking = await access.requireMember(userId, upload.bookingId);
    await blocks.requireNotBlocked(userId, membersOf(booking).filter((member) => member !== userId));
    if (upload.clientId) {
      const previous = await sends.find(userId, upload.clientId);
      if (previous && previous.booking_id !== upload.bookingId) {
        throw new AppError('invalid', 'this clientId was already used for another booking');
      }
      if (previous) return arrivals.stored(previous.event_id);
    }

    const cleaned = await cleanImage(upload.image, limits);
    const intent = homeserver.intentFor(userId);
    const filename = `photo.${EXTENSION[cleaned.mimetype] ?? 'img'}`;
    let eventId: string;
    try {
      const url = await intent.uploadContent(cleaned.data, { name: filename, type: cleaned.mimetype });
      const thumbnailUrl = await intent.uploadContent(cleaned.thumbnail.data, { name: `thumb-${filename}`, type: cleaned.thumbnail.mimetype });
      const content: Record<string, unknown> = {
        msgtype: 'm.image',
        body: upload.caption ?? filename,
        filename,
        url,
        info: {
          w: cleaned.width,
          h: cleaned.height,
          mimetype: cleaned.mimetype,
          size: cleaned.size,
          thumbnail_url: thumbnailUrl,
          thumbnail_info: {
            w: cleaned.thumbnail.width,
            h: cleaned.thumbnail.height,
            mimetype: cleaned.thumbnail.mimetype,
            size: cleaned.thumbnail.size,
          },
        },
      };
      if (upload.clientId) content[CONTENT_CLIENT_ID] = upload.clientId;
      const key = `image:${upload.clientId ?? randomUUID()}`;
      eventId = await homeserver.sendIdempotent(intent, booking.room_id, key, 'm.room.message', content);
    } catch (error) {
      throw fromMatrixError(error);
    }
    if (upload.clientId) await sends.record(userId, upload.clientId, upload.bookingId, eventId);
    return arrivals.stored(eventId);
  }
}
