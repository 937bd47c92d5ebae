// App routes: `Authorization: Bearer <the user's JWT>`, verified like the socket handshake.
import type { Request, RequestHandler } from 'express';
import type { JwtVerifier, TokenUser } from '../shared/jwt-verifier.ts';
import { AppError } from '../protocol/errors.ts';

export function bearerToken(request: Request): string | undefined {
  return request.header('authorization')?.match(/^Bearer (.+)$/)?.[1];
}

export function requireUser(verifier: JwtVerifier): RequestHandler {
  return async (request, response, next) => {
    const token = bearerToken(request);
    if (!token) return next(new AppError('unauthorized', 'a user token is required'));
    try {
      response.locals.user = await verifier.verify(token);
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function userOf(locals: Record<string, unknown>): TokenUser {
  return locals.user as TokenUser;
}
