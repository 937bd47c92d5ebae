// The Socket.io edge built in one place: the server (built before the features, which deliver
// through it, and attached to the public HTTP server later), the per-user socket quota, delivery
// to users' sockets, and, once the features exist, every event handler registered on each connection.
import type http from 'node:http';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import type { StoredMessageWaiters } from '../messages/stored-message-waiters.ts';
import { stopAll } from '../lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import { SocketQuota } from '../safety/socket-quota.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';
import { registerChatEvents, type ChatServices } from './chat-events.ts';
import { registerMessageEvents, type MessageServices } from './message-events.ts';
import { registerPushEvents, type PushServices } from './push-events.ts';
import { registerSafetyEvents, type SafetyServices } from './safety-events.ts';
import { SocketDelivery } from './socket-delivery.ts';
import { createSocketServer } from './socket-server.ts';
import { limitSocketToToken } from './token-lifetime.ts';

export interface FacadeDeps {
  config: Pick<Config, 'allowedOrigins' | 'caps'>;
  redis: Redis | undefined;
  verifier: JwtVerifier;
  limiter: RateLimiter;
  waiters: StoredMessageWaiters;
  metrics: Metrics;
  logger: Logger;
}

export interface FacadeServices {
  chat: ChatServices;
  message: MessageServices;
  safety: SafetyServices;
  push: PushServices;
}

export function createFacade({ config, redis, verifier, limiter, waiters, metrics, logger }: FacadeDeps) {
  const socketQuota = new SocketQuota(config.caps.socketsPerUser, redis);
  const sockets = createSocketServer({
    allowedOrigins: config.allowedOrigins,
    redis,
    verifier,
    admit: async (userId, socketId) => {
      await limiter.consume('connection', userId);
      await socketQuota.acquire(userId, socketId);
    },
    release: (userId, socketId) => socketQuota.release(userId, socketId),
    logger,
    metrics,
  });
  return {
    delivery: new SocketDelivery(sockets, waiters),
    /** Every connection gets every handler, and is cut when its token expires. */
    serve(services: FacadeServices) {
      sockets.io.on('connection', (socket) => {
        const context = { socket, logger: logger.child({ userId: socket.data.userId, socketId: socket.id }), metrics, limiter };
        registerChatEvents(context, services.chat);
        registerMessageEvents(context, services.message);
        registerSafetyEvents(context, services.safety);
        registerPushEvents(context, services.push);
        limitSocketToToken(context, verifier);
      });
    },
    attach: (server: http.Server) => sockets.io.attach(server),
    start: () => socketQuota.start(),
    stop: () =>
      stopAll([
        ['sockets', () => sockets.close()],
        ['socket quota', () => socketQuota.stop()],
      ]),
  };
}
