// Image URLs apps can put in an <img> tag: the bridge's own download route, signed (HMAC) for
// one booking, one user and a short time, like presigned object-store URLs. The user they were
// issued to is in the URL, and the download checks that this user is still a member and that
// the image's message still exists: a link stops working the moment its holder leaves the
// booking or staff remove the message, not only when it expires. History and sync sign them
// afresh, so URLs are renewed simply by reading history again. A request with the user's JWT
// instead of a signature is checked the same way.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type MediaVariant = 'image' | 'thumbnail';

/** mxc://<server>/<media id> with the characters the Matrix spec allows. */
const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;

export function parseMxc(mxc: string): { server: string; mediaId: string } | undefined {
  const match = mxc.match(MXC);
  return match ? { server: match[1]!, mediaId: match[2]! } : undefined;
}

/** The query of a signed URL: who it was issued to, until when, and the signature. */
export interface SignedLink {
  user: string;
  exp: string;
  sig: string;
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

  /** A URL for `userId` (the member it is handed to) to fetch this media of this booking. */
  sign(bookingId: string, userId: string, mxc: string, variant: MediaVariant, now = Date.now()): string | undefined {
    const parsed = parseMxc(mxc);
    if (!parsed) return undefined;
    const path = this.path(bookingId, parsed.server, parsed.mediaId, variant);
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    const query = new URLSearchParams({ user: userId, exp: String(exp), sig: this.signature(path, userId, exp) });
    return `${this.publicUrl().replace(/\/$/, '')}${path}?${query}`;
  }

  /** Whether the signature is good and unexpired; the caller still checks that `user` may see the media now. */
  verify(bookingId: string, server: string, mediaId: string, variant: MediaVariant, link: SignedLink, now = Date.now()): boolean {
    const expires = Number(link.exp);
    if (!Number.isInteger(expires) || expires * 1000 < now) return false;
    const expected = Buffer.from(this.signature(this.path(bookingId, server, mediaId, variant), link.user, expires));
    const given = Buffer.from(link.sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private path(bookingId: string, server: string, mediaId: string, variant: MediaVariant): string {
    const base = `/api/v1/media/${encodeURIComponent(bookingId)}/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
    return variant === 'thumbnail' ? `${base}/thumbnail` : base;
  }

  private signature(path: string, userId: string, exp: number): string {
    // The path holds no newline and exp is last and all digits: no user id can shift the fields.
    return createHmac('sha256', this.secret).update(`${path}\n${userId}\n${exp}`).digest('base64url');
  }
}
