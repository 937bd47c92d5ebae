// The structure of each accepted format, walked from the magic number to the end marker: the
// declared dimensions and frames, where the image's own bytes end, and which byte ranges are not
// compressed pixel data (for the markup check). Every length is checked before it is read.
import { crc32 } from 'node:zlib';
import { refuse } from './image-refusals.ts';

export type SourceType = 'jpeg' | 'png' | 'webp' | 'gif' | 'heic';

export type Range = readonly [start: number, end: number];

export interface Walk {
  width: number;
  height: number;
  frames: number;
  lossless: boolean;
  /** Where the image's own bytes end. */
  end: number;
  /** Byte ranges that are not compressed pixel data. */
  metadata: Range[];
}

// ---- JPEG: markers and segments; entropy-coded data runs from SOS to the next real marker.

export function walkJpeg(input: Buffer, start: number): Walk {
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

export function walkPng(input: Buffer): Walk {
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

export function walkGif(input: Buffer): Walk {
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

export function walkWebp(input: Buffer): Walk {
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

export function walkHeif(input: Buffer): Walk {
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

export function startsWith(input: Buffer, at: number, bytes: number[]): boolean {
  return input.length >= at + bytes.length && bytes.every((byte, index) => input[at + index] === byte);
}

export function ascii(input: Buffer, start: number, end: number): string {
  return input.toString('latin1', Math.min(start, input.length), Math.min(end, input.length));
}

function isZeroFrom(input: Buffer, from: number): boolean {
  for (let index = from; index < input.length; index += 1) if (input[index] !== 0) return false;
  return true;
}
