// The booking system's routes: `Authorization: Bearer <SERVICE_TOKEN>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../protocol/errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerMatches(header: string | undefined, secret: string): boolean {
  const presented = header?.match(/^Bearer (.+)$/)?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(secret));
}

export function requireServiceToken(serviceToken: string): RequestHandler {
  return (request, _response, next) => {
    next(bearerMatches(request.header('authorization'), serviceToken) ? undefined : new AppError('unauthorized', 'a valid service token is required'));
  };
}
