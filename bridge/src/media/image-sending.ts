// Photos in the chat: checked and cleaned, stored in Synapse's media repository through the
// sender's intent, sent as m.image with its size, dimensions and thumbnail; the answer waits
// for the stored message like message:send (send-pipeline.ts). Idempotent on clientId.
import { fromMatrixError } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { SendPipeline } from '../messages/send-pipeline.ts';
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { DecodeQueue } from './decode-queue.ts';
import { cleanImage, type ImageLimits } from './image-cleaner.ts';

export interface ImageUpload {
  bookingId: string;
  image: Buffer;
  clientId?: string;
  caption?: string;
}

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };

export class ImageSending {
  private readonly pipeline: SendPipeline;
  private readonly homeserver: Homeserver;
  private readonly limits: ImageLimits;
  private readonly maxCaptionLength: number;
  private readonly decodes: DecodeQueue;

  constructor(pipeline: SendPipeline, homeserver: Homeserver, limits: ImageLimits, maxCaptionLength: number, decodes: DecodeQueue) {
    this.pipeline = pipeline;
    this.homeserver = homeserver;
    this.limits = limits;
    this.maxCaptionLength = maxCaptionLength;
    this.decodes = decodes;
  }

  async send(userId: string, upload: ImageUpload): Promise<Message> {
    if (upload.caption !== undefined && upload.caption.length > this.maxCaptionLength) {
      throw new AppError('too_large', `caption is longer than ${this.maxCaptionLength} characters`);
    }
    const booking = await this.pipeline.admit(userId, upload.bookingId, upload.clientId);
    const caption = upload.caption === undefined ? undefined : await this.pipeline.screen(userId, booking, upload.caption);
    return this.pipeline.sendOnce(userId, booking, upload.clientId, () => this.store(userId, upload.image, caption?.text), caption?.flags);
  }

  /** Cleans the image, puts it and its thumbnail in the media repository, returns the m.image content. */
  private async store(userId: string, image: Buffer, caption: string | undefined): Promise<Record<string, unknown>> {
    const cleaned = await this.decodes.run(() => cleanImage(image, this.limits));
    const intent = this.homeserver.intentFor(userId);
    const filename = `photo.${EXTENSION[cleaned.mimetype] ?? 'img'}`;
    let url: string;
    let thumbnailUrl: string;
    try {
      url = await intent.uploadContent(cleaned.data, { name: filename, type: cleaned.mimetype });
      thumbnailUrl = await intent.uploadContent(cleaned.thumbnail.data, { name: `thumb-${filename}`, type: cleaned.thumbnail.mimetype });
    } catch (error) {
      throw fromMatrixError(error);
    }
    const { thumbnail } = cleaned;
    return {
      msgtype: 'm.image',
      // With `filename` present, `body` is the caption (Matrix 1.10).
      body: caption ?? filename,
      filename,
      url,
      info: {
        w: cleaned.width,
        h: cleaned.height,
        mimetype: cleaned.mimetype,
        size: cleaned.size,
        thumbnail_url: thumbnailUrl,
        thumbnail_info: { w: thumbnail.width, h: thumbnail.height, mimetype: thumbnail.mimetype, size: thumbnail.size },
      },
    };
  }
}
