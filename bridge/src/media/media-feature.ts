// The media feature built in one place: signed media URLs (they carry the public URL, known once
// the public listener is bound), the decode queue and image sends. Image sends go through the
// send pipeline, built later by the messages feature (which needs the URLs for its view), so they
// are added with sendImages.
import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { SendPipeline } from '../messages/send-pipeline.ts';
import { DecodeQueue } from './decode-queue.ts';
import { ImageSending } from './image-sending.ts';
import { MediaUrls } from './media-urls.ts';

export interface MediaFeatureDeps {
  config: Pick<Config, 'port' | 'publicUrl' | 'mediaUrlTtlSeconds' | 'caps' | 'images' | 'limits'>;
  /** The appservice registration: the signing key is derived from its as_token. */
  registration: { as_token: string };
  homeserver: Homeserver;
  /** A test holds its slots to fill it. */
  decodeQueue?: DecodeQueue;
}

export function createMedia({ config, registration, homeserver, decodeQueue }: MediaFeatureDeps) {
  let publicUrl = config.publicUrl;
  // Media URLs are signed with a key derived from the appservice token: every process of a
  // deployment has it, and it never leaves the bridge.
  const mediaKey = createHmac('sha256', registration.as_token).update('booking-chat media urls').digest();
  const urls = new MediaUrls(() => publicUrl, mediaKey, config.mediaUrlTtlSeconds);
  const decodes = decodeQueue ?? new DecodeQueue(config.caps.imageDecodes, config.caps.imageDecodesWaiting);
  return {
    urls,
    decodes,
    sendImages: (pipeline: SendPipeline) => new ImageSending(pipeline, homeserver, config.images, config.limits.messageMaxLength, decodes),
    /** The public listener is bound: a configured port 0 becomes the one it got. */
    publicPortBound(port: number) {
      if (config.port === 0) publicUrl = publicUrl.replace(/:0$/, `:${port}`);
    },
  };
}
