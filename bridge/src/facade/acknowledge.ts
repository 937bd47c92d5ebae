// Every client event: count it against its rate limit → validate the payload → run the handler
// → answer the acknowledgement with { ok: true, ... } or { ok: false, error }. Nothing a client
// sends can throw past this point.
import type { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { toClientError } from '../outages/client-errors.ts';
import { AppError } from '../protocol/errors.ts';
import type { Ack } from '../protocol/types.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import { EVENT_LIMITS, type ClientEvent } from './event-limits.ts';
import type { BridgeSocket } from './socket-server.ts';

export interface HandlerContext {
  socket: BridgeSocket;
  logger: Logger;
  metrics: Metrics;
  limiter: RateLimiter;
}

export function onEvent<S extends z.ZodType, R extends object>(
  context: HandlerContext,
  event: ClientEvent,
  schema: S,
  handler: (payload: z.output<S>) => Promise<R>,
): void {
  const { socket, logger, metrics, limiter } = context;
  const listener = async (...args: unknown[]) => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: Ack<R>) => void) : undefined;
    let response: Ack<R>;
    try {
      // Before parsing: a flood of malformed payloads is a flood too.
      await limiter.consume(EVENT_LIMITS[event], socket.data.userId);
      const parsed = schema.safeParse(args[0] ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('invalid', `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
      }
      response = { ok: true, ...(await handler(parsed.data)) };
    } catch (error) {
      if (!(error instanceof AppError)) logger.error({ err: error, event, userId: socket.data.userId }, 'event failed');
      response = { ok: false, error: toClientError(error).toBody() };
    }
    metrics.socketEvents.inc({ event, outcome: response.ok ? 'ok' : response.error.code });
    ack?.(response);
  };
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(event, listener);
}
