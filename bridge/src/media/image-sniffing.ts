// Byte-level checks of an uploaded image, before any decoder sees it: what the bytes really
// are (magic numbers, never the name or the declared type), the dimensions the header declares
// (so a decompression bomb is refused before it is decoded), and a walk of the file's structure
// from its magic number to its end marker (JPEG EOI, PNG IEND, GIF trailer, the RIFF size of a
// WebP, the box chain of a HEIF), which finds truncated files and bytes hidden after the image.
//
// The polyglot rule:
//  1. The file must end where its image ends. Bytes after the end marker are refused
//     (`trailing_data`), with two exceptions that real cameras produce: zero padding, and after a
//     JPEG further complete JPEG streams (the MPF secondary images and Ultra HDR gain maps of
//     phone photos), each walked and checked like the first.
//  2. The parts of the file that are not compressed pixel data (headers, EXIF, XMP, ICC,
//     comments, text chunks, GIF extensions, HEIF boxes other than `mdat`) must not contain
//     markup that a browser or a PHP interpreter would run (`embedded_markup`). Compressed pixel
//     data is not searched: short byte patterns occur in it by chance, and it never survives
//     decoding.
// Only the re-encoded image is ever stored or served, so this is defence in depth: a file that
// carries such payloads is hostile, and refusing it says so.
import { crc32 } from 'node:zlib';
import { AppError } from '../protocol/errors.ts';

export type SourceType = 'jpeg' | 'png' | 'webp' | 'gif' | 'heic';

export interface ImageStructure {
  type: SourceType;
  /** As stored, before any EXIF orientation is applied. */
  width: number;
  height: number;
  /** 1 for a still image; the number of frames of an animated GIF or WebP. */
  frames: number;
  /** A WebP whose frames are lossless (VP8L). */
  lossless: boolean;
}

type Range = readonly [start: number, end: number];

interface Walk {
  width: number;
  height: number;
  frames: number;
  lossless: boolean;
  /** Where the image's own bytes end. */
  end: number;
  /** Byte ranges that are not compressed pixel data. */
  metadata: Range[];
}

/** Machine-readable reasons at the start of every refusal's message. */
export type RefusalReason =
  | 'empty'
  | 'file_too_large'
  | 'unsupported_type'
  | 'truncated'
  | 'corrupt'
  | 'trailing_data'
  | 'embedded_markup'
  | 'too_many_pixels'
  | 'too_many_frames';

export function refuse(reason: RefusalReason, detail: string): AppError {
  const code = reason === 'file_too_large' || reason === 'too_many_pixels' || reason === 'too_many_frames'
    ? 'too_large'
    : 'invalid';
  return new AppError(code, `${reason}: ${detail}`);
}

/** Names the image type from its magic number, or refuses the bytes. */
export function sniffImageType(input: Buffer): SourceType {
  if (input.length === 0) throw refuse('empty', 'the file is empty');
  if (startsWith(input, 0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(input, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(input, 0, 6) === 'GIF87a' || ascii(input, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(input, 0, 4) === 'RIFF' && ascii(input, 8, 12) === 'WEBP') return 'webp';
  if (ascii(input, 4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(input, 8, 12))) return 'heic';
  throw refuse('unsupported_type', `${describe(input)} is not an accepted image (JPEG, PNG, WebP, HEIC/HEIF or GIF)`);
}

/** Sniffs, walks and checks the whole file; throws the refusal if anything is wrong. */
export function inspectImage(input: Buffer): ImageStructure {
  const type = sniffImageType(input);
  const walk = walkSafely(type, input);
  if (walk.width <= 0 || walk.height <= 0) throw refuse('corrupt', `the ${type} header declares no dimensions`);
  const metadata = [...walk.metadata];
  if (walk.end < input.length) metadata.push(...checkTrailing(input, type, walk.end));
  refuseMarkup(input, metadata);
  return { type, width: walk.width, height: walk.height, frames: walk.frames, lossless: walk.lossless };
}

// The HEIF major brands heic-decode reads (HEVC stills and sequences, and the generic `mif1` and
// `msf1`); AVIF (`avif`, `avis`) is not accepted.
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1']);

const WALKERS: Record<SourceType, (input: Buffer) => Walk> = {
  jpeg: (input) => walkJpeg(input, 0),
  png: walkPng,
  gif: walkGif,
  webp: walkWebp,
  heic: walkHeif,
};

/** The walkers check every length before they read; a slip still ends as a refusal. */
function walkSafely(type: SourceType, input: Buffer): Walk {
  try {
    return WALKERS[type](input);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw Object.assign(refuse('corrupt', `the ${type} structure could not be read`), { cause: error });
  }
}

function checkTrailing(input: Buffer, type: SourceType, end: number): Range[] {
  const extra: Range[] = [];
  let position = end;
  while (position < input.length) {
    if (input[position] === 0) {
      position += 1;
      continue;
    }
    if (type !== 'jpeg' || !startsWith(input, position, [0xff, 0xd8, 0xff])) {
      throw refuse('trailing_data', `${input.length - position} bytes follow the end of the ${type} image`);
    }
    let embedded: Walk;
    try {
      embedded = walkJpeg(input, position);
    } catch {
      throw refuse('trailing_data', 'the bytes after the end of the JPEG image are not a complete JPEG image');
    }
    extra.push(...embedded.metadata);
    position = embedded.end;
  }
  return extra;
}

// Tags that make a file run as a page or a script when a browser or PHP reads it. A tag name
// must be followed by a separator, so that chance bytes in binary metadata rarely match.
const MARKUP = /<(?:script|html|svg|iframe|object|embed|body|meta|link)[\s>/:]|<\?php|<!doctype\s+html|<!entity/i;

function refuseMarkup(input: Buffer, ranges: Range[]): void {
  for (const [start, end] of ranges) {
    const match = MARKUP.exec(input.toString('latin1', start, end));
    if (match) throw refuse('embedded_markup', `the file carries markup (${JSON.stringify(match[0].trim())}) outside its pixels`);
  }
}

// ---- JPEG: markers and segments; entropy-coded data runs from SOS to the next real marker.

function walkJpeg(input: Buffer, start: number): Walk {
  const metadata: Range[] = [];
  let width = 0;
  let height = 0;
  let position = start + 2;
  for (;;) {
    if (position >= input.length) throw refuse('truncated', 'the JPEG image ends before its end marker');
    if (input[position] !== 0xff) throw refuse('corrupt', `no JPEG marker at byte ${position}`);
    const markerStart = position;
    while (input[position] === 0xff) position += 1;
    if (position >= input.length) throw refuse('truncated', 'the JPEG image ends before its end marker');
    const marker = input[position]!;
    position += 1;
    if (marker === 0xd9) return { width, height, frames: 1, lossless: false, end: position, metadata };
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (marker === 0xd8 || marker === 0x00) throw refuse('corrupt', `unexpected JPEG marker at byte ${markerStart}`);
    if (position + 2 > input.length) throw refuse('truncated', 'the JPEG image ends inside a segment');
    const segmentEnd = position + input.readUInt16BE(position);
    if (segmentEnd < position + 2) throw refuse('corrupt', `a JPEG segment at byte ${markerStart} has a bad length`);
    if (segmentEnd > input.length) throw refuse('truncated', 'the JPEG image ends inside a segment');
    if (isStartOfFrame(marker)) {
      if (segmentEnd < position + 7) throw refuse('corrupt', 'the JPEG frame header is too short');
      height = input.readUInt16BE(position + 3);
      width = input.readUInt16BE(position + 5);
    }
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) metadata.push([markerStart, segmentEnd]);
    position = segmentEnd;
    if (marker === 0xda) {
      if (width === 0) throw refuse('corrupt', 'the JPEG scan comes before its frame header');
      position = endOfEntropyData(input, position);
    }
  }
}

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** 0xFF is followed by 0x00 (a stuffed byte) or a restart marker inside entropy-coded data. */
function endOfEntropyData(input: Buffer, from: number): number {
  let position = from;
  for (;;) {
    const ff = input.indexOf(0xff, position);
    if (ff < 0) throw refuse('truncated', 'the JPEG image ends inside its pixel data');
    let next = ff + 1;
    while (input[next] === 0xff) next += 1;
    if (next >= input.length) throw refuse('truncated', 'the JPEG image ends inside its pixel data');
    const byte = input[next]!;
    if (byte !== 0x00 && (byte < 0xd0 || byte > 0xd7)) return ff;
    position = next + 1;
  }
}

// ---- PNG: length-type-data-CRC chunks from IHDR to IEND.

function walkPng(input: Buffer): Walk {
  const metadata: Range[] = [[0, 8]];
  let width = 0;
  let height = 0;
  let sawPixels = false;
  let position = 8;
  for (let index = 0; ; index += 1) {
    if (position + 12 > input.length) throw refuse('truncated', 'the PNG image ends before its IEND chunk');
    const length = input.readUInt32BE(position);
    const type = ascii(input, position + 4, position + 8);
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) throw refuse('corrupt', `bad PNG chunk at byte ${position}`);
    const dataStart = position + 8;
    const dataEnd = dataStart + length;
    const chunkEnd = dataEnd + 4;
    if (chunkEnd > input.length) throw refuse('truncated', `the PNG image ends inside its ${type} chunk`);
    if (crc32(input.subarray(position + 4, dataEnd)) !== input.readUInt32BE(dataEnd)) {
      throw refuse('corrupt', `the PNG ${type} chunk fails its checksum`);
    }
    if ((index === 0) !== (type === 'IHDR')) throw refuse('corrupt', 'the PNG image does not start with IHDR');
    if (type === 'IHDR') {
      if (length !== 13) throw refuse('corrupt', 'the PNG header has a bad length');
      width = input.readUInt32BE(dataStart);
      height = input.readUInt32BE(dataStart + 4);
    }
    if (type === 'IDAT') sawPixels = true;
    if (type === 'IEND') {
      if (!sawPixels) throw refuse('corrupt', 'the PNG image has no pixel data');
      // An APNG's extra frames (fdAT) are never decoded: only its default image is kept.
      return { width, height, frames: 1, lossless: true, end: chunkEnd, metadata };
    }
    if (type !== 'IDAT' && type !== 'fdAT') metadata.push([position, chunkEnd]);
    position = chunkEnd;
  }
}

// ---- GIF: header, colour table, then extensions and image descriptors up to the trailer.

function walkGif(input: Buffer): Walk {
  if (input.length < 13) throw refuse('truncated', 'the GIF header is incomplete');
  const width = input.readUInt16LE(6);
  const height = input.readUInt16LE(8);
  let position = 13 + colourTableSize(input[10]!);
  const metadata: Range[] = [[0, Math.min(position, input.length)]];
  let frames = 0;
  for (;;) {
    if (position >= input.length) throw refuse('truncated', 'the GIF image ends before its trailer');
    const block = input[position]!;
    if (block === 0x3b) {
      if (frames === 0) throw refuse('corrupt', 'the GIF image has no frames');
      return { width, height, frames, lossless: false, end: position + 1, metadata };
    }
    if (block === 0x21) {
      const start = position;
      position = skipSubBlocks(input, position + 2);
      metadata.push([start, position]);
    } else if (block === 0x2c) {
      if (position + 11 > input.length) throw refuse('truncated', 'the GIF image ends inside a frame header');
      frames += 1;
      position += 10 + colourTableSize(input[position + 9]!);
      if (position >= input.length) throw refuse('truncated', 'the GIF image ends inside a frame');
      if (input[position]! > 12) throw refuse('corrupt', 'a GIF frame has a bad LZW code size');
      position = skipSubBlocks(input, position + 1);
    } else {
      throw refuse('corrupt', `unknown GIF block at byte ${position}`);
    }
  }
}

function colourTableSize(flags: number): number {
  return flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0;
}

function skipSubBlocks(input: Buffer, from: number): number {
  let position = from;
  for (;;) {
    if (position >= input.length) throw refuse('truncated', 'the GIF image ends inside a data block');
    const size = input[position]!;
    position += 1 + size;
    if (size === 0) return position;
  }
}

// ---- WebP: a RIFF container; its declared size must match the file.

function walkWebp(input: Buffer): Walk {
  const riffEnd = 8 + input.readUInt32LE(4);
  if (riffEnd > input.length) throw refuse('truncated', 'the WebP image is shorter than its RIFF header says');
  const metadata: Range[] = [[0, 12]];
  let canvas: { width: number; height: number } | undefined;
  let bitstream: { width: number; height: number } | undefined;
  let frames = 0;
  let lossless = false;
  let position = 12;
  while (position < riffEnd) {
    if (position + 8 > riffEnd) throw refuse('corrupt', 'the WebP image has a partial chunk header');
    const fourcc = ascii(input, position, position + 4);
    const size = input.readUInt32LE(position + 4);
    const dataStart = position + 8;
    const dataEnd = dataStart + size;
    if (dataEnd > riffEnd) throw refuse('truncated', `the WebP image ends inside its ${fourcc.trim()} chunk`);
    if (position === 12 && !['VP8 ', 'VP8L', 'VP8X'].includes(fourcc)) {
      throw refuse('corrupt', 'the WebP image does not start with an image chunk');
    }
    if (fourcc === 'VP8X' && size >= 10) {
      canvas = { width: input.readUIntLE(dataStart + 4, 3) + 1, height: input.readUIntLE(dataStart + 7, 3) + 1 };
    } else if (fourcc === 'VP8 ' || fourcc === 'VP8L') {
      bitstream ??= webpBitstreamSize(input, fourcc, dataStart, dataEnd);
      lossless ||= fourcc === 'VP8L';
      frames = Math.max(frames, 1);
    } else if (fourcc === 'ANMF') {
      frames += 1;
      lossless ||= size >= 24 && ascii(input, dataStart + 16, dataStart + 20) === 'VP8L';
    } else if (fourcc !== 'ALPH') {
      metadata.push([position, dataEnd]);
    }
    position = dataEnd + (size & 1);
  }
  const size = canvas ?? bitstream;
  if (!size || frames === 0) throw refuse('corrupt', 'the WebP image has no image data');
  return { ...size, frames, lossless, end: riffEnd, metadata };
}

function webpBitstreamSize(input: Buffer, fourcc: string, start: number, end: number): { width: number; height: number } {
  if (fourcc === 'VP8L') {
    if (end - start < 5 || input[start] !== 0x2f) throw refuse('corrupt', 'bad lossless WebP header');
    const bits = input.readUInt32LE(start + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (end - start < 10 || !startsWith(input, start + 3, [0x9d, 0x01, 0x2a])) throw refuse('corrupt', 'bad lossy WebP header');
  return { width: input.readUInt16LE(start + 6) & 0x3fff, height: input.readUInt16LE(start + 8) & 0x3fff };
}

// ---- HEIF: a chain of ISO boxes that must fill the file; sizes come from the `ispe` properties.

function walkHeif(input: Buffer): Walk {
  const metadata: Range[] = [];
  let width = 0;
  let height = 0;
  let sawMeta = false;
  let sawData = false;
  let position = 0;
  while (position < input.length) {
    if (isZeroFrom(input, position) && sawMeta) return heifWalk(width, height, position, metadata);
    const box = readBox(input, position, input.length);
    if (!box) {
      if (sawMeta && sawData) return heifWalk(width, height, position, metadata);
      throw refuse(position + 8 > input.length ? 'truncated' : 'corrupt', `bad HEIF box at byte ${position}`);
    }
    if (box.end > input.length) {
      if (sawMeta && sawData && box.type !== 'mdat') return heifWalk(width, height, position, metadata);
      throw refuse('truncated', `the HEIF image ends inside its ${box.type} box`);
    }
    if (box.type === 'meta') {
      sawMeta = true;
      for (const size of imageSizes(input, box.bodyStart + 4, box.end)) {
        if (size.width * size.height > width * height) ({ width, height } = size);
      }
    }
    if (box.type === 'mdat') sawData = true;
    else metadata.push([position, box.end]);
    position = box.end;
  }
  if (!sawMeta) throw refuse('corrupt', 'the HEIF image has no meta box');
  return heifWalk(width, height, position, metadata);
}

function heifWalk(width: number, height: number, end: number, metadata: Range[]): Walk {
  return { width, height, frames: 1, lossless: false, end, metadata };
}

interface Box {
  type: string;
  bodyStart: number;
  end: number;
}

/** Undefined when the bytes at `position` cannot be a box header. */
function readBox(input: Buffer, position: number, limit: number): Box | undefined {
  if (position + 8 > limit) return undefined;
  const type = ascii(input, position + 4, position + 8);
  if (!/^[a-z0-9 ]{4}$/i.test(type)) return undefined;
  let size = input.readUInt32BE(position);
  let bodyStart = position + 8;
  if (size === 1) {
    if (position + 16 > limit) return undefined;
    size = Number(input.readBigUInt64BE(position + 8));
    bodyStart = position + 16;
  } else if (size === 0) {
    size = limit - position;
  }
  if (size < bodyStart - position) return undefined;
  return { type, bodyStart, end: position + size };
}

/** The `ispe` (image spatial extents) of every item, found under meta → iprp → ipco. */
function imageSizes(input: Buffer, start: number, end: number): Array<{ width: number; height: number }> {
  const sizes: Array<{ width: number; height: number }> = [];
  let position = start;
  while (position < end) {
    const box = readBox(input, position, end);
    if (!box || box.end > end) throw refuse('corrupt', `bad HEIF box at byte ${position}`);
    if (box.type === 'iprp' || box.type === 'ipco') sizes.push(...imageSizes(input, box.bodyStart, box.end));
    if (box.type === 'ispe' && box.end - box.bodyStart >= 12) {
      sizes.push({ width: input.readUInt32BE(box.bodyStart + 4), height: input.readUInt32BE(box.bodyStart + 8) });
    }
    position = box.end;
  }
  return sizes;
}

// ---- Helpers.

function startsWith(input: Buffer, at: number, bytes: number[]): boolean {
  return input.length >= at + bytes.length && bytes.every((byte, index) => input[at + index] === byte);
}

function ascii(input: Buffer, start: number, end: number): string {
  return input.toString('latin1', Math.min(start, input.length), Math.min(end, input.length));
}

function isZeroFrom(input: Buffer, from: number): boolean {
  for (let index = from; index < input.length; index += 1) if (input[index] !== 0) return false;
  return true;
}

/** A short, safe name for bytes that are not an accepted image, for the refusal message. */
function describe(input: Buffer): string {
  const head = input.toString('latin1', 0, 512).trimStart().toLowerCase();
  if (head.startsWith('%pdf')) return 'a PDF document';
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/.test(head) || head.includes('<svg')) return 'an SVG image';
  if (head.startsWith('<') || head.includes('<html') || head.includes('<script')) return 'markup (HTML or XML)';
  if (ascii(input, 4, 8) === 'ftyp') return `an ISO media file (brand ${JSON.stringify(ascii(input, 8, 12))})`;
  if (startsWith(input, 0, [0x49, 0x49, 0x2a, 0x00]) || startsWith(input, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (ascii(input, 0, 2) === 'BM') return 'a BMP image';
  return 'the file';
}
