// Errors → HTTP answers, once for every route: { error: { code, message } } with the mapped status.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../observability/logger.ts';
import { logFailure, toClientError } from '../outages/client-errors.ts';
import { AppError, HTTP_STATUS } from '../protocol/errors.ts';

/** What body-parser and friends throw: they carry a status and a type. */
function fromParserError(error: { status?: number; type?: string }): AppError | undefined {
  if (error.type === 'entity.too.large' || error.status === 413) return new AppError('too_large', 'request body too large');
  if (error.type === 'entity.parse.failed') return new AppError('invalid', 'malformed JSON');
  if (error.status && error.status >= 400 && error.status < 500) return new AppError('invalid', 'bad request');
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, request, response, _next) => {
    const appError = error instanceof AppError ? error : fromParserError(error);
    if (response.headersSent) {
      // Part of the body is out (a media download whose upstream failed): no error body can
      // follow it. Closing the connection is how the client learns the response is broken.
      logger.warn({ err: error, requestId: request.id, path: request.path }, 'response cut after its headers');
      request.socket.destroy();
      return;
    }
    logFailure(logger, appError ?? error, { requestId: request.id, path: request.path }, 'request failed');
    const body = toClientError(appError ?? error).toBody();
    if (body.retryAfter !== undefined) response.setHeader('Retry-After', String(body.retryAfter));
    response.status(HTTP_STATUS[body.code]).json({ error: body });
  };
}

export const notFound: RequestHandler = (_request, _response, next) => next(new AppError('not_found', 'no such route'));
