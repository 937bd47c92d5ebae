// Photos: upload-to-delivery latency of a 3 MB, 12-megapixel JPEG (POST /images until the
// artist's socket gets the `message`), and how much of it is decoding and re-encoding
// (cleanImage alone on the same photo, in the same run).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { cleanImage, DEFAULT_IMAGE_LIMITS } from '../bridge/src/media/image-cleaner.ts';
import { largePhotoJpeg } from '../bridge/test/support/images.ts';
import { benchToken, connect, newBenchBooking } from './facade.ts';
import type { BenchStack } from './stack.ts';
import { ratio, round2, summarize } from './stats.ts';

export interface ImageSettings {
  uploads: number;
  concurrency: number;
  timeoutMs: number;
}

export async function measureImages(stack: BenchStack, settings: ImageSettings, log: (line: string) => void) {
  const photo = await largePhotoJpeg();
  const { bookingId, customer, artist } = await newBenchBooking(stack, 'bench-img');
  const artistSocket = await connect(stack.bridgeUrl, stack.jwtSecret, artist.id, 'artist');
  const token = await benchToken(stack.jwtSecret, customer.id, 'customer');
  const arrivals = new Map<string, () => void>();
  artistSocket.on('message', (message) => message.clientId && arrivals.get(message.clientId)?.());

  const uploadOnce = async (): Promise<number> => {
    const clientId = randomUUID();
    const delivered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('image not delivered in time')), settings.timeoutMs);
      arrivals.set(clientId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const started = performance.now();
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'IMG_1234.jpg');
    form.set('clientId', clientId);
    const response = await fetch(`${stack.bridgeUrl}/api/v1/bookings/${bookingId}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
    await delivered;
    arrivals.delete(clientId);
    return performance.now() - started;
  };

  try {
    log(`images: ${settings.uploads} uploads of a ${(photo.length / 1e6).toFixed(1)} MB 12 MP JPEG, ${settings.concurrency} at a time`);
    await uploadOnce();
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (next < settings.uploads) {
          next++;
          latencies.push(await uploadOnce());
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;

    const cleaning: number[] = [];
    for (let i = 0; i < Math.min(settings.uploads, 8); i++)
      cleaning.push((await cleanImage(photo, DEFAULT_IMAGE_LIMITS)).timings.decodeEncodeMs);
    const delivery = summarize(latencies);
    const decodeEncode = summarize(cleaning);
    return {
      p50_ms: delivery.p50_ms,
      p99_ms: delivery.p99_ms,
      msgs_per_s: round2(latencies.length / elapsed),
      uploads: latencies.length,
      bytes: photo.length,
      megapixels: 12,
      decode_encode_p50_ms: decodeEncode.p50_ms,
      decode_encode_share_p50: ratio(decodeEncode.p50_ms, delivery.p50_ms),
      measures:
        'POST /bookings/:id/images (multipart) until the artist socket receives the image message; decode_encode = cleanImage alone on the same photo',
    };
  } finally {
    artistSocket.disconnect();
  }
}
