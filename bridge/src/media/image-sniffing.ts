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
import { AppError } from '../protocol/errors.ts';
import {
  ascii,
  startsWith,
  walkGif,
  walkHeif,
  walkJpeg,
  walkPng,
  walkWebp,
  type Range,
  type SourceType,
  type Walk,
} from './image-formats.ts';
import { refuse } from './image-refusals.ts';

export type { SourceType } from './image-formats.ts';

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

/** A short, safe name for bytes that are not an accepted image, for the refusal message. */
function describe(input: Buffer): string {
  const head = input.toString('latin1', 0, 512).trimStart().toLowerCase();
  if (head.startsWith('%pdf')) return 'a PDF document';
  if (head.includes('<svg')) return 'an SVG image';
  if (head.startsWith('<') || head.includes('<html') || head.includes('<script')) return 'markup (HTML or XML)';
  if (ascii(input, 4, 8) === 'ftyp') return `an ISO media file (brand ${JSON.stringify(ascii(input, 8, 12))})`;
  if (startsWith(input, 0, [0x49, 0x49, 0x2a, 0x00]) || startsWith(input, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (ascii(input, 0, 2) === 'BM') return 'a BMP image';
  return 'the file';
}
