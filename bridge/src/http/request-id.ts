// A request id on every request and its log lines (taken from X-Request-Id when the proxy set one).
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

export const requestId: RequestHandler = (request, response, next) => {
  const given = request.header('x-request-id');
  request.id = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
  response.setHeader('X-Request-Id', request.id);
  next();
};
