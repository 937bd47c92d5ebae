// Apps' media routes: image upload (multipart) and downloads that check the right to see the
// image, at each download, before streaming it from Synapse (whose authenticated media checks
// no membership).
import { Router, type Request } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { BookingAccess } from '../bookings/access.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { ImageSending } from '../media/image-sending.ts';
import type { MediaUrls, MediaVariant } from '../media/media-urls.ts';
import { AppError } from '../protocol/errors.ts';
import { bookingIdSchema, storableString } from '../protocol/schemas.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import { proxyMedia } from './media-proxy.ts';
import { admitUpload, type UploadAdmissionDeps } from './upload-admission.ts';
import { bearerToken, userOf } from './user-auth.ts';
import { parse } from './validate.ts';

export interface MediaRoutesDeps extends UploadAdmissionDeps {
  verifier: JwtVerifier;
  images: ImageSending;
  urls: MediaUrls;
  access: BookingAccess;
  messages: MessagesStore;
  homeserver: Homeserver;
  maxImageBytes: number;
  thumbnailSize: number;
  /** How long Synapse may take to start a download, and stay silent in the middle of one. */
  downloadTimeoutMs: number;
}

export const uploadFieldsSchema = z.object({
  clientId: z.uuid().optional(),
  caption: storableString().trim().min(1).max(65536).optional(),
});

export const mediaParamsSchema = z.object({
  bookingId: bookingIdSchema,
  server: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,255}$/),
  mediaId: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
});

/** What a browser may show inline; anything else is served as a download. */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

export function mediaRoutes(deps: MediaRoutesDeps): Router {
  const router = Router();
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: deps.maxImageBytes, files: 1, fields: 4, fieldSize: 16_384, parts: 6 },
  });

  router.post(
    '/bookings/:bookingId/images',
    ...admitUpload(deps),
    (request, response, next) => {
      upload.single('image')(request, response, (error: unknown) => {
        if (!error) return next();
        const code = (error as { code?: string }).code;
        next(
          code === 'LIMIT_FILE_SIZE'
            ? new AppError('too_large', `image larger than ${deps.maxImageBytes} bytes`)
            : new AppError('invalid', `bad multipart body: ${code ?? 'unreadable'}`),
        );
      });
    },
    async (request, response) => {
      const bookingId = parse(bookingIdSchema, request.params.bookingId, 'bookingId');
      const fields = parse(uploadFieldsSchema, request.body ?? {}, 'body');
      if (!request.file) throw new AppError('invalid', 'image: a file in the multipart field "image" is required');
      const message = await deps.images.send(userOf(response.locals).userId, { bookingId, image: request.file.buffer, ...fields });
      response.status(201).json({ message });
    },
  );

  const download = (variant: MediaVariant) => async (request: Request, response: import('express').Response) => {
    const params = parse(mediaParamsSchema, request.params, 'path');
    await authorize(deps, request, params, variant);
    await proxyMedia(
      response,
      deps.downloadTimeoutMs,
      (signal) => deps.homeserver.fetchMedia(params.server, params.mediaId, variant, deps.thumbnailSize, signal),
      (upstream) => {
        const type = upstream.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
        response.setHeader('Content-Type', INLINE_TYPES.has(type) ? type : 'application/octet-stream');
        response.setHeader('Content-Disposition', INLINE_TYPES.has(type) ? 'inline' : 'attachment');
        response.setHeader('X-Content-Type-Options', 'nosniff');
        response.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
        response.setHeader('Cache-Control', 'private, max-age=3600');
        // fetch decodes a compressed body, so the upstream's length is only ours when nothing was decoded.
        const length = upstream.headers.get('content-length');
        const encoding = upstream.headers.get('content-encoding') ?? 'identity';
        if (length && encoding === 'identity') response.setHeader('Content-Length', length);
      },
    );
  };
  router.get('/media/:bookingId/:server/:mediaId', download('image'));
  router.get('/media/:bookingId/:server/:mediaId/thumbnail', download('thumbnail'));
  return router;
}

/**
 * Who asks (the user a signed link was issued to, or the holder of a user token) must be a
 * member of the booking now, and the media must belong to a message of that booking that still
 * exists: a link stops working when its user leaves the booking or staff remove the message.
 */
async function authorize(
  deps: MediaRoutesDeps,
  request: Request,
  params: z.output<typeof mediaParamsSchema>,
  variant: MediaVariant,
): Promise<void> {
  const userId = await requester(deps, request, params, variant);
  await deps.access.requireMember(userId, params.bookingId);
  if (!(await deps.messages.hasMedia(params.bookingId, `mxc://${params.server}/${params.mediaId}`))) {
    throw new AppError('not_found', 'no such media in this booking');
  }
}

async function requester(
  deps: MediaRoutesDeps,
  request: Request,
  params: z.output<typeof mediaParamsSchema>,
  variant: MediaVariant,
): Promise<string> {
  const { user, exp, sig } = request.query;
  if (typeof exp === 'string' && typeof sig === 'string') {
    if (typeof user === 'string' && deps.urls.verify(params.bookingId, params.server, params.mediaId, variant, { user, exp, sig }))
      return user;
    throw new AppError('forbidden', 'this media link is invalid or has expired: read the message again for a fresh one');
  }
  const token = bearerToken(request);
  if (!token) throw new AppError('unauthorized', 'a signed link or a user token is required');
  return (await deps.verifier.verify(token)).userId;
}
