// The booking system's routes: `Authorization: Bearer <SERVICE_TOKEN>`, compared in constant time.
import type { RequestHandler } from 'express';
import { AppError } from '../protocol/errors.ts';
import { bearerMatches } from '../shared/bearer-token.ts';

export function requireServiceToken(serviceToken: string): RequestHandler {
  return (request, _response, next) => {
    next(
      bearerMatches(request.header('authorization'), serviceToken)
        ? undefined
        : new AppError('unauthorized', 'a valid service token is required'),
    );
  };
}
