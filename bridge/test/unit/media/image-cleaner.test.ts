import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cleanImage, DEFAULT_IMAGE_LIMITS, type CleanedImage } from '../../../src/media/image-cleaner.ts';
import { AppError } from '../../../src/protocol/errors.ts';
import {
  animatedGif,
  animatedWebp,
  avifImage,
  decompressionBombPng,
  gifWithSvgComment,
  gifWithTrailingData,
  heicSample,
  htmlNamedJpg,
  hugeDimensionsJpeg,
  isBlue,
  isRed,
  jpegMarkers,
  jpegWithGpsAndOrientation,
  jpegWithHtmlAppended,
  jpegWithPhpComment,
  jpegWithSecondaryImage,
  largePhotoJpeg,
  noiseJpeg,
  p3Jpeg,
  pdfDocument,
  pixelAt,
  pngChunks,
  pngWithBadChecksum,
  pngWithMetadata,
  pngWithTrailingData,
  readExif,
  svgWithScript,
  tiffImage,
  truncatedJpeg,
  webpChunks,
  webpWithMetadata,
} from '../../support/images.ts';

const limits = DEFAULT_IMAGE_LIMITS;

/** Only what an image needs to be drawn: no APPn segment beyond JFIF, no comment. */
const BARE_JPEG_SEGMENTS = new Set([0xe0, 0xdb, 0xc0, 0xc1, 0xc2, 0xc4, 0xdd, 0xda]);

async function refusal(input: Buffer | Promise<Buffer>, overrides: Partial<typeof limits> = {}): Promise<AppError> {
  const error: unknown = await cleanImage(await input, { ...limits, ...overrides }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectNoMetadata(image: CleanedImage | CleanedImage['thumbnail']): Promise<void> {
  const metadata = await sharp(image.data).metadata();
  expect(metadata.exif).toBeUndefined();
  expect(metadata.xmp).toBeUndefined();
  expect(metadata.icc).toBeUndefined();
  expect(metadata.iptc).toBeUndefined();
  expect(metadata.comments ?? []).toEqual([]);
  expect(metadata.orientation).toBeUndefined();
  expect(metadata.space).toBe('srgb');
  expect(image.data.includes('Exif\0\0', 0, 'latin1')).toBe(false);
  expect(image.data.includes('TestCam', 0, 'latin1')).toBe(false);
}

describe('a photo with a location and a rotation', () => {
  it('is really tagged with GPS and orientation 6 before cleaning', async () => {
    const metadata = await sharp(await jpegWithGpsAndOrientation()).metadata();
    expect(metadata.orientation).toBe(6);
    const exif = readExif(metadata.exif!);
    expect(exif.ifd0).toEqual(expect.arrayContaining([0x010f, 0x0110, 0x8825]));
    expect(exif.gps).toEqual(expect.arrayContaining([1, 2, 3, 4]));
  });

  it('leaves the bridge without its location or any other EXIF', async () => {
    const cleaned = await cleanImage(await jpegWithGpsAndOrientation(), limits);
    expect(cleaned.sourceType).toBe('jpeg');
    expect(cleaned.mimetype).toBe('image/jpeg');
    await expectNoMetadata(cleaned);
    await expectNoMetadata(cleaned.thumbnail);
    for (const marker of [...jpegMarkers(cleaned.data), ...jpegMarkers(cleaned.thumbnail.data)]) {
      expect(BARE_JPEG_SEGMENTS.has(marker), `segment 0x${marker.toString(16)}`).toBe(true);
    }
  });

  it('comes out upright: 40×60, red on top, blue below, with no orientation tag', async () => {
    const cleaned = await cleanImage(await jpegWithGpsAndOrientation(), limits);
    expect([cleaned.width, cleaned.height]).toEqual([40, 60]);
    const metadata = await sharp(cleaned.data).metadata();
    expect([metadata.width, metadata.height, metadata.orientation]).toEqual([40, 60, undefined]);
    expect(isRed(await pixelAt(cleaned.data, 20, 5))).toBe(true);
    expect(isBlue(await pixelAt(cleaned.data, 20, 55))).toBe(true);
    expect(isRed(await pixelAt(cleaned.thumbnail.data, 20, 5))).toBe(true);
    expect([cleaned.thumbnail.width, cleaned.thumbnail.height]).toEqual([40, 60]);
  });
});

describe('each accepted type is decoded, re-encoded and stripped', () => {
  it('a PNG stays a PNG, transparency kept, its EXIF, XMP and ICC profile gone', async () => {
    const cleaned = await cleanImage(await pngWithMetadata(), limits);
    expect([cleaned.sourceType, cleaned.mimetype, cleaned.width, cleaned.height]).toEqual(['png', 'image/png', 48, 32]);
    await expectNoMetadata(cleaned);
    expect((await sharp(cleaned.data).metadata()).hasAlpha).toBe(true);
    expect(pngChunks(cleaned.data).filter((chunk) => !['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND'].includes(chunk))).toEqual([]);
    expect(cleaned.thumbnail.mimetype).toBe('image/png');
  });

  it('a WebP stays a WebP, its EXIF and XMP gone', async () => {
    const cleaned = await cleanImage(await webpWithMetadata(), limits);
    expect([cleaned.sourceType, cleaned.mimetype, cleaned.width, cleaned.height]).toEqual(['webp', 'image/webp', 48, 32]);
    await expectNoMetadata(cleaned);
    expect(webpChunks(cleaned.data).filter((chunk) => ['EXIF', 'XMP ', 'ICCP'].includes(chunk))).toEqual([]);
    expect(cleaned.thumbnail.mimetype).toBe('image/webp');
  });

  it('an animated WebP stays animated', async () => {
    const cleaned = await cleanImage(await animatedWebp(4, 40, 30), limits);
    expect([cleaned.mimetype, cleaned.width, cleaned.height]).toEqual(['image/webp', 40, 30]);
    expect((await sharp(cleaned.data, { animated: true }).metadata()).pages).toBe(4);
    expect(cleaned.thumbnail.mimetype).toBe('image/webp');
  });

  it('a lossless WebP stays lossless', async () => {
    const cleaned = await cleanImage(await webpWithMetadata(true), limits);
    expect(webpChunks(cleaned.data)).toContain('VP8L');
    await expectNoMetadata(cleaned);
  });

  it('a Display P3 photo is converted to sRGB and loses its profile', async () => {
    const cleaned = await cleanImage(await p3Jpeg(), limits);
    await expectNoMetadata(cleaned);
    // Read without its profile, the stored pixels would be about (234, 51, 35).
    const colour = await pixelAt(cleaned.data, 16, 16);
    expect(colour.r).toBeGreaterThan(245);
    expect(colour.g).toBeLessThan(20);
  });

  it('an animated GIF keeps its frames, re-encoded, with a still PNG thumbnail', async () => {
    const cleaned = await cleanImage(await animatedGif(3, 40, 30), limits);
    expect([cleaned.sourceType, cleaned.mimetype, cleaned.width, cleaned.height]).toEqual(['gif', 'image/gif', 40, 30]);
    const metadata = await sharp(cleaned.data, { animated: true }).metadata();
    expect(metadata.pages).toBe(3);
    expect(cleaned.thumbnail.mimetype).toBe('image/png');
    expect([cleaned.thumbnail.width, cleaned.thumbnail.height]).toEqual([40, 30]);
  });

  it('a HEIC photo (iPhone) becomes a JPEG without its GPS tags', async () => {
    const heic = heicSample();
    expect(readExif((await sharp(heic).metadata()).exif!).gps).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    const cleaned = await cleanImage(heic, limits);
    expect([cleaned.sourceType, cleaned.mimetype, cleaned.width, cleaned.height]).toEqual(['heic', 'image/jpeg', 96, 64]);
    await expectNoMetadata(cleaned);
    expect(isRed(await pixelAt(cleaned.data, 48, 8))).toBe(true);
    expect(isBlue(await pixelAt(cleaned.data, 48, 56))).toBe(true);
    expect(cleaned.thumbnail.mimetype).toBe('image/jpeg');
  });

  it('several HEIC photos sent at once all get through the decoder workers', { timeout: 30_000 }, async () => {
    const cleaned = await Promise.all(Array.from({ length: 5 }, () => cleanImage(heicSample(), limits)));
    expect(cleaned.map((image) => [image.width, image.height])).toEqual(Array(5).fill([96, 64]));
  });

  it('a phone photo with a secondary image (MPF, Ultra HDR gain map) is accepted as its primary image', async () => {
    const cleaned = await cleanImage(await jpegWithSecondaryImage(), limits);
    expect([cleaned.width, cleaned.height]).toEqual([32, 32]);
  });
});

describe('thumbnails', () => {
  it('are at most 320 px on the long side, in proportion, stripped like the image', async () => {
    const cleaned = await cleanImage(await noiseJpeg(1200, 900), limits);
    expect([cleaned.thumbnail.width, cleaned.thumbnail.height]).toEqual([320, 240]);
    expect(cleaned.thumbnail.size).toBe(cleaned.thumbnail.data.length);
    expect((await sharp(cleaned.thumbnail.data).metadata()).format).toBe('jpeg');
    await expectNoMetadata(cleaned.thumbnail);
  });

  it('follow the configured size', async () => {
    const cleaned = await cleanImage(await noiseJpeg(300, 600), { ...limits, thumbnailSize: 100 });
    expect([cleaned.thumbnail.width, cleaned.thumbnail.height]).toEqual([50, 100]);
  });
});

describe('hostile files are refused, with a code and a reason', () => {
  it.each([
    ['zero bytes', () => Buffer.alloc(0), 'invalid', 'empty'],
    ['an SVG with a script', svgWithScript, 'invalid', 'unsupported_type'],
    ['an HTML page named photo.jpg', htmlNamedJpg, 'invalid', 'unsupported_type'],
    ['a PDF', pdfDocument, 'invalid', 'unsupported_type'],
    ['an AVIF image', avifImage, 'invalid', 'unsupported_type'],
    ['a TIFF image', tiffImage, 'invalid', 'unsupported_type'],
    ['a JPEG with an HTML page appended (polyglot)', jpegWithHtmlAppended, 'invalid', 'trailing_data'],
    ['a PNG with an HTML page after IEND', pngWithTrailingData, 'invalid', 'trailing_data'],
    ['a GIF with an HTML page after its trailer', gifWithTrailingData, 'invalid', 'trailing_data'],
    ['a JPEG with a PHP shell in a comment', jpegWithPhpComment, 'invalid', 'embedded_markup'],
    ['a GIF with an SVG in a comment', gifWithSvgComment, 'invalid', 'embedded_markup'],
    ['a truncated JPEG', truncatedJpeg, 'invalid', 'truncated'],
    ['a PNG with a bad checksum', pngWithBadChecksum, 'invalid', 'corrupt'],
    ['a decompression bomb (100000×100000 PNG)', decompressionBombPng, 'too_large', 'too_many_pixels'],
    ['a JPEG declaring 65000×65000', hugeDimensionsJpeg, 'too_large', 'too_many_pixels'],
  ] as const)('%s', async (_name, make, code, reason) => {
    const error = await refusal(make());
    expect([error.code, error.reason]).toEqual([code, reason]);
    expect(error.message).toMatch(/^\S/);
  });

  it('a truncated HEIC', async () => {
    const heic = heicSample();
    const error = await refusal(heic.subarray(0, heic.length - 100));
    expect([error.code, error.reason]).toEqual(['invalid', 'truncated']);
  });

  it('the decompression bomb is refused from its header, before any decoding', async () => {
    const started = performance.now();
    await refusal(decompressionBombPng());
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('limits', () => {
  it('refuses a file over the size limit before looking inside it', async () => {
    const error = await refusal(svgWithScript(), { maxBytes: 100 });
    expect([error.code, error.reason]).toEqual(['too_large', 'file_too_large']);
  });

  it('refuses an image over the pixel limit', async () => {
    const error = await refusal(noiseJpeg(1000, 1000), { maxPixels: 999_999 });
    expect([error.code, error.reason]).toEqual(['too_large', 'too_many_pixels']);
    expect(error.message).toMatch(/1000×1000/);
  });

  it('counts every frame of an animation against the pixel limit', async () => {
    const error = await refusal(animatedGif(10, 100, 100), { maxPixels: 99_999 });
    expect(error.reason).toBe('too_many_pixels');
    expect(error.message).toMatch(/10 frames/);
  });

  it('refuses an animation with too many frames', async () => {
    const error = await refusal(animatedGif(12, 8, 8), { maxFrames: 10 });
    expect([error.code, error.reason]).toEqual(['too_large', 'too_many_frames']);
  });

  it('cleans a 12-megapixel, 3 MB photo and reports where the time went', { timeout: 30_000 }, async () => {
    const photo = await largePhotoJpeg();
    expect(photo.length).toBeGreaterThan(2_500_000);
    const cleaned = await cleanImage(photo, limits);
    expect([cleaned.width, cleaned.height]).toEqual([4000, 3000]);
    expect([cleaned.thumbnail.width, cleaned.thumbnail.height]).toEqual([320, 240]);
    expect(cleaned.timings.decodeEncodeMs).toBeGreaterThan(0);
    expect(cleaned.timings.totalMs).toBeGreaterThanOrEqual(cleaned.timings.decodeEncodeMs);
  });
});
