import { describe, expect, it } from 'vitest';
import { cleanImage, DEFAULT_IMAGE_LIMITS } from '../../../src/media/image-cleaner.ts';
import { inspectImage } from '../../../src/media/image-sniffing.ts';
import { AppError } from '../../../src/protocol/errors.ts';
import {
  animatedGif,
  animatedWebp,
  decompressionBombPng,
  heicSample,
  jpegWithGpsAndOrientation,
  noiseJpeg,
  pngWithMetadata,
  webpWithMetadata,
} from '../../support/images.ts';

describe('the header tells the size before any decoding', () => {
  it.each([
    ['JPEG', () => noiseJpeg(123, 45), { type: 'jpeg', width: 123, height: 45, frames: 1 }],
    ['JPEG, as stored before orientation', jpegWithGpsAndOrientation, { type: 'jpeg', width: 60, height: 40, frames: 1 }],
    ['PNG', pngWithMetadata, { type: 'png', width: 48, height: 32, frames: 1 }],
    ['PNG bomb', async () => decompressionBombPng(), { type: 'png', width: 100_000, height: 100_000, frames: 1 }],
    ['lossy WebP', () => webpWithMetadata(false), { type: 'webp', width: 48, height: 32, frames: 1, lossless: false }],
    ['lossless WebP', () => webpWithMetadata(true), { type: 'webp', width: 48, height: 32, frames: 1, lossless: true }],
    ['animated WebP', () => animatedWebp(5, 20, 10), { type: 'webp', width: 20, height: 10, frames: 5 }],
    ['animated GIF', () => animatedGif(4, 20, 10), { type: 'gif', width: 20, height: 10, frames: 4 }],
    ['HEIC', async () => heicSample(), { type: 'heic', width: 96, height: 64, frames: 1 }],
  ] as const)('%s', async (_name, make, expected) => {
    expect(inspectImage(await make())).toMatchObject(expected);
  });
});

describe('damaged files end as refusals, never as crashes', () => {
  // Seeded, so that a failure can be replayed.
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function damage(input: Buffer, next: () => number): Buffer {
    const copy = Buffer.from(input);
    const kind = next();
    if (kind < 0.3) return copy.subarray(0, Math.floor(next() * copy.length));
    const flips = 1 + Math.floor(next() * 8);
    // Header and structure bytes are where walkers can go wrong: aim most flips at the start.
    for (let flip = 0; flip < flips; flip += 1) {
      const span = next() < 0.7 ? Math.min(copy.length, 200) : copy.length;
      copy[Math.floor(next() * span)] = Math.floor(next() * 256);
    }
    return copy;
  }

  const samples = {
    jpeg: () => jpegWithGpsAndOrientation(),
    png: () => pngWithMetadata(),
    webp: () => webpWithMetadata(),
    'animated webp': () => animatedWebp(3, 16, 16),
    gif: () => animatedGif(3, 16, 16),
    heic: async () => heicSample(),
  };

  it.each(Object.entries(samples))('%s: 2000 damaged copies through the byte checks', async (_name, make) => {
    const original = await make();
    const next = random(original.length);
    for (let round = 0; round < 2000; round += 1) {
      const damaged = damage(original, next);
      try {
        inspectImage(damaged);
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(AppError);
        // Not the safety net: each walker checks a length before it reads past it.
        expect((error as AppError).message, `round ${round}`).not.toMatch(/structure could not be read/);
      }
    }
  });

  it.each(Object.entries(samples).filter(([name]) => name !== 'heic'))(
    '%s: 40 damaged copies through the whole cleaning',
    async (_name, make) => {
      const original = await make();
      const next = random(original.length + 1);
      for (let round = 0; round < 40; round += 1) {
        const outcome = await cleanImage(damage(original, next), DEFAULT_IMAGE_LIMITS).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (outcome !== undefined) expect(outcome, `round ${round}`).toBeInstanceOf(AppError);
      }
    },
  );

  it('heic: damaged copies through the decoder worker', { timeout: 30_000 }, async () => {
    const original = heicSample();
    const next = random(7);
    for (let round = 0; round < 6; round += 1) {
      const outcome = await cleanImage(damage(original, next), DEFAULT_IMAGE_LIMITS).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (outcome !== undefined) expect(outcome, `round ${round}`).toBeInstanceOf(AppError);
    }
  });
});
