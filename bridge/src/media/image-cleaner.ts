// Checks an uploaded image and makes the clean copy that is stored and served instead of it:
// decoded and re-encoded, turned upright, with no metadata at all (EXIF, GPS, XMP, comments,
// ICC profiles: colours are converted to sRGB), plus a thumbnail made the same way.
// The rules and their reasons are in docs/images.md; the byte-level checks in image-sniffing.ts.
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { decodeHeic } from './heic-decoding.ts';
import { refuse } from './image-refusals.ts';
import { inspectImage, type ImageStructure, type SourceType } from './image-sniffing.ts';
import { AppError } from '../protocol/errors.ts';

export interface ImageLimits {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Most pixels an image may declare, all frames of an animation together. */
  maxPixels: number;
  /** Longest side of the thumbnail, in pixels. */
  thumbnailSize: number;
  /** Most frames an animated GIF or WebP may have. */
  maxFrames?: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<Required<ImageLimits>> = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  thumbnailSize: 320,
  maxFrames: 300,
};

export type CleanMimetype = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

export interface CleanedThumbnail {
  data: Buffer;
  mimetype: CleanMimetype;
  width: number;
  height: number;
  size: number;
}

export interface CleanedImage {
  data: Buffer;
  mimetype: CleanMimetype;
  width: number;
  height: number;
  size: number;
  thumbnail: CleanedThumbnail;
  /** What the uploaded bytes really were. */
  sourceType: SourceType;
  /** Milliseconds: decoding and re-encoding (image and thumbnail), and the whole call. */
  timings: { decodeEncodeMs: number; totalMs: number };
}

// mozjpeg's quantisation tables, optimised Huffman coding and progressive scans; not its trellis
// quantisation or scan search, which cost ten times the encoding time of a 12-megapixel photo
// for about 7 % fewer bytes (docs/images.md has the measurements).
const JPEG_OPTIONS = { quality: 82, quantisationTable: 3, optimiseCoding: true, progressive: true } as const;
const WEBP_QUALITY = 82;

// 'error' refuses truncated and undecodable pixel data; sharp's stricter default, 'warning',
// also refuses camera files that libjpeg merely warns about.
const FAIL_ON = 'error' as const;

const OUTPUT: Record<SourceType, CleanMimetype> = {
  jpeg: 'image/jpeg',
  heic: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

export async function cleanImage(input: Buffer, limits: ImageLimits): Promise<CleanedImage> {
  const started = performance.now();
  if (input.length > limits.maxBytes) {
    throw refuse('file_too_large', `the file is ${input.length} bytes, more than the ${limits.maxBytes} allowed`);
  }
  const structure = inspectImage(input);
  checkDimensions(structure, limits);

  const codecStarted = performance.now();
  const image = await reencode(input, structure, limits);
  const thumbnail = await makeThumbnail(image.data, structure, limits.thumbnailSize);
  const finished = performance.now();
  return {
    ...image,
    thumbnail,
    sourceType: structure.type,
    timings: { decodeEncodeMs: finished - codecStarted, totalMs: finished - started },
  };
}

function checkDimensions(structure: ImageStructure, limits: ImageLimits): void {
  const { width, height, frames } = structure;
  const maxFrames = limits.maxFrames ?? DEFAULT_IMAGE_LIMITS.maxFrames;
  if (frames > maxFrames) throw refuse('too_many_frames', `the animation has ${frames} frames, more than the ${maxFrames} allowed`);
  const pixels = width * height * frames;
  if (pixels > limits.maxPixels) {
    const animation = frames > 1 ? ` in ${frames} frames` : '';
    throw refuse(
      'too_many_pixels',
      `the image declares ${width}×${height} pixels${animation} (${megapixels(pixels)} MP), more than the ${megapixels(limits.maxPixels)} MP allowed`,
    );
  }
}

async function reencode(
  input: Buffer,
  structure: ImageStructure,
  limits: ImageLimits,
): Promise<Omit<CleanedImage, 'thumbnail' | 'sourceType' | 'timings'>> {
  const mimetype = OUTPUT[structure.type];
  const decoded = await decoder(input, structure, limits);
  const { data, info } = await run(encoder(decoded, mimetype, structure.lossless));
  // An animation comes back as one tall strip of frames; its size is that of one frame.
  return { data, mimetype, width: info.width, height: info.pageHeight ?? info.height, size: data.length };
}

/** A sharp pipeline of the upright pixels, and nothing else from the file. */
async function decoder(input: Buffer, structure: ImageStructure, limits: ImageLimits): Promise<Sharp> {
  if (structure.type === 'heic') {
    const rgba = await decodeHeic(input);
    if (rgba.width * rgba.height > limits.maxPixels) throw refuse('too_many_pixels', 'the decoded HEIC image is larger than allowed');
    // libheif has already applied the HEIF rotation and mirroring properties.
    return sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 }, limitInputPixels: limits.maxPixels });
  }
  const animated = structure.frames > 1;
  const pipeline = sharp(input, { failOn: FAIL_ON, limitInputPixels: limits.maxPixels, animated });
  // EXIF orientation applies to stills; GIF has no EXIF and libvips cannot turn animations.
  return animated ? pipeline : pipeline.autoOrient();
}

function encoder(pipeline: Sharp, mimetype: CleanMimetype, lossless: boolean): Sharp {
  switch (mimetype) {
    case 'image/jpeg':
      return pipeline.flatten({ background: '#ffffff' }).jpeg(JPEG_OPTIONS);
    case 'image/png':
      return pipeline.png();
    case 'image/webp':
      return pipeline.webp(lossless ? { lossless: true } : { quality: WEBP_QUALITY });
    case 'image/gif':
      return pipeline.gif();
  }
}

/** From the clean image itself, so it can hold nothing the image does not. */
async function makeThumbnail(clean: Buffer, structure: ImageStructure, size: number): Promise<CleanedThumbnail> {
  const mimetype = thumbnailType(OUTPUT[structure.type]);
  const pipeline = sharp(clean, { failOn: FAIL_ON }).resize(size, size, { fit: 'inside', withoutEnlargement: true });
  const { data, info } = await run(encoder(pipeline, mimetype, false));
  return { data, mimetype, width: info.width, height: info.height, size: data.length };
}

/** A still thumbnail: an animated GIF's is its first frame, as PNG. */
function thumbnailType(imageType: CleanMimetype): CleanMimetype {
  return imageType === 'image/gif' ? 'image/png' : imageType;
}

async function run(pipeline: Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    return await pipeline.toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeFailure(error);
  }
}

function decodeFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refusal = /pixel limit/i.test(message)
    ? refuse('too_many_pixels', 'the image has more pixels than allowed')
    : /truncat|premature end|unexpected end|not enough data/i.test(message)
      ? refuse('truncated', 'the image data ends early')
      : refuse('corrupt', 'the image data could not be decoded');
  refusal.cause = error;
  return refusal;
}

function megapixels(pixels: number): string {
  return (pixels / 1_000_000).toLocaleString('en', { maximumFractionDigits: 1 });
}
