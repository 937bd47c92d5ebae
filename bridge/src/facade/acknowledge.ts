// Every client event: count it against its rate limit → validate the payload → run the handler
// → answer the acknowledgement with { ok: true, ... } or { ok: false, error }. Nothing a client
// sends can throw past this point.
import type { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { logFailure, toClientError } from '../outages/client-errors.ts';
import { AppError } from '../protocol/errors.ts';
import { REQUEST_SCHEMAS, type AckOf, type AckResult, type ParsedPayloadOf, type RequestName } from '../protocol/events.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import { EVENT_LIMITS } from './event-limits.ts';
import type { BridgeSocket } from './socket-server.ts';

export interface HandlerContext {
  socket: BridgeSocket;
  logger: Logger;
  metrics: Metrics;
  limiter: RateLimiter;
}

/**
 * The handler for one request: its payload is what the event's schema (REQUEST_SCHEMAS) parsed,
 * and its result must be what the event's acknowledgement promises (ClientToServerEvents).
 */
export function onEvent<E extends RequestName>(
  context: HandlerContext,
  event: E,
  handler: (payload: ParsedPayloadOf<E>) => Promise<AckResult<E>>,
): void {
  const { socket, logger, metrics, limiter } = context;
  const listener = async (...args: unknown[]) => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: AckOf<E>) => void) : undefined;
    let response: AckOf<E>;
    try {
      // Before parsing: a flood of malformed payloads is a flood too.
      await limiter.consume(EVENT_LIMITS[event], socket.data.userId);
      // Widened to one schema type: a union of every event's schema has no single safeParse to call.
      const schema: z.ZodType = REQUEST_SCHEMAS[event];
      const parsed = schema.safeParse(args[0] ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('invalid', `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
      }
      // The schema is REQUEST_SCHEMAS[event], so its output is this event's payload.
      response = Object.assign({ ok: true as const }, await handler(parsed.data as ParsedPayloadOf<E>));
    } catch (error) {
      logFailure(logger, error, { event, userId: socket.data.userId }, 'event failed');
      response = { ok: false, error: toClientError(error).toBody() };
    }
    metrics.socketEvents.inc({ event, outcome: response.ok ? 'ok' : response.error.code });
    ack?.(response);
  };
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(event, listener);
}
