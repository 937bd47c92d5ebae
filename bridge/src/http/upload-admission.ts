// An upload is admitted before its body is read: the user's token, the upload rate limit,
// membership of the booking and room in the decode queue are all known from the request line
// and headers. A refusal then costs no more than the headers: the answer goes out with
// `Connection: close` and the body (up to IMAGE_MAX_BYTES) is never read into memory.
import type { RequestHandler } from 'express';
import type { BookingAccess } from '../bookings/access.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';
import type { DecodeQueue } from '../media/decode-queue.ts';
import { bookingIdSchema } from '../protocol/schemas.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import { requireUser, userOf } from './user-auth.ts';
import { parse } from './validate.ts';

export interface UploadAdmissionDeps {
  verifier: JwtVerifier;
  limiter: RateLimiter;
  access: BookingAccess;
  decodes: DecodeQueue;
}

// Until `bodyReading` runs, any answer closes the connection instead of draining the body.
const closeUntilBodyRead: RequestHandler = (_request, response, next) => {
  response.setHeader('Connection', 'close');
  next();
};

const bodyReading: RequestHandler = (_request, response, next) => {
  response.removeHeader('Connection');
  next();
};

export function admitUpload(deps: UploadAdmissionDeps): RequestHandler[] {
  const admit: RequestHandler = async (request, response, next) => {
    try {
      const { userId } = userOf(response.locals);
      await deps.limiter.consume('upload', userId);
      await deps.access.requireMember(userId, parse(bookingIdSchema, request.params.bookingId, 'bookingId'));
      deps.decodes.requireRoom();
      next();
    } catch (error) {
      next(error);
    }
  };
  return [closeUntilBodyRead, requireUser(deps.verifier), admit, bodyReading];
}
