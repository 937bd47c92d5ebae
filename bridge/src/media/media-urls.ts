// Image URLs apps can put in an <img> tag: the bridge's own download route, signed for one
// booking and a short time (HMAC), like presigned object-store URLs. The message carrying
// them is only ever delivered to members, and history and sync sign them afresh, so URLs
// are renewed simply by reading history again. A request with the user's JWT instead of a
// signature is checked against the booking's membership at download time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type MediaVariant = 'image' | 'thumbnail';

/** mxc://<server>/<media id> with the characters the Matrix spec allows. */
const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;

export function parseMxc(mxc: string): { server: string; mediaId: string } | undefined {
  const match = mxc.match(MXC);
  return match ? { server: match[1]!, mediaId: match[2]! } : undefined;
}

export class MediaUrls {
  /** The base apps reach the bridge at (known only once listening when the port is 0). */
  private readonly publicUrl: () => string;
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;

  constructor(publicUrl: () => string, secret: Buffer, ttlSeconds: number) {
    this.publicUrl = publicUrl;
    this.secret = secret;
    this.ttlSeconds = ttlSeconds;
  }

  sign(bookingId: string, mxc: string, variant: MediaVariant, now = Date.now()): string | undefined {
    const parsed = parseMxc(mxc);
    if (!parsed) return undefined;
    const path = this.path(bookingId, parsed.server, parsed.mediaId, variant);
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    return `${this.publicUrl().replace(/\/$/, '')}${path}?exp=${exp}&sig=${this.signature(path, exp)}`;
  }

  verify(bookingId: string, server: string, mediaId: string, variant: MediaVariant, exp: string, sig: string, now = Date.now()): boolean {
    const expires = Number(exp);
    if (!Number.isInteger(expires) || expires * 1000 < now) return false;
    const expected = Buffer.from(this.signature(this.path(bookingId, server, mediaId, variant), expires));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private path(bookingId: string, server: string, mediaId: string, variant: MediaVariant): string {
    const base = `/api/v1/media/${encodeURIComponent(bookingId)}/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
    return variant === 'thumbnail' ? `${base}/thumbnail` : base;
  }

  private signature(path: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${exp}`).digest('base64url');
  }
}
