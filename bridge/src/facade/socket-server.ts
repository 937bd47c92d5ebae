// The Socket.io edge: transport settings (OWASP), Origin allow-list, the JWT handshake, the
// Redis adapter for several bridge processes, and one room per user for delivery.
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { closeRedis } from '../outages/shared-redis.ts';
import { AppError } from '../protocol/errors.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../protocol/events.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';

export type BridgeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type BridgeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Every socket of a user joins this room; messages are emitted to the members' rooms. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

export interface SocketServerOptions {
  allowedOrigins: string[] | '*';
  /** When set, events fan out to the other bridge processes through this Redis. */
  redis: Redis | undefined;
  verifier: JwtVerifier;
  /** Called for each authenticated connection attempt; throws to refuse it (rate limits, the socket cap). */
  admit: (userId: string, socketId: string) => Promise<void>;
  /** Gives back what `admit` took, once the socket or its connection closes (may be called twice). */
  release: (userId: string, socketId: string) => void;
  logger: Logger;
  metrics: Metrics;
}

export interface SocketServer {
  io: BridgeServer;
  /** True when events fan out to other bridge processes through Redis. */
  clustered: boolean;
  close(): Promise<void>;
}

/** Socket.io without a server yet: `io.attach(httpServer)` once the HTTP app exists. */
export function createSocketServer(options: SocketServerOptions): SocketServer {
  const { allowedOrigins, verifier, logger, metrics } = options;
  const io: BridgeServer = new Server({
    // Chat payloads are small; images go over REST. A bigger frame closes the connection.
    maxHttpBufferSize: 100_000,
    perMessageDeflate: false,
    serveClient: false,
    cors: { origin: allowedOrigins === '*' ? true : allowedOrigins, credentials: false },
    // Browsers send Origin and it must be allowed; native apps send none.
    allowRequest: (request, callback) => {
      const origin = request.headers.origin;
      callback(null, !origin || allowedOrigins === '*' || allowedOrigins.includes(origin));
    },
  });

  const adapterClients = options.redis && redisAdapterClients(options.redis, logger);
  if (adapterClients) io.adapter(createAdapter(adapterClients.publisher, adapterClients.subscriber));

  io.use(async (socket, next) => {
    try {
      socket.data = await verifier.verify((socket.handshake.auth as { token?: unknown } | undefined)?.token);
      const { userId } = socket.data;
      await options.admit(userId, socket.id);
      // A connection that closes before the socket connects has no `disconnect`; one that closed
      // while it was being admitted has no `close` to come either, and would hold its seat for good.
      const release = () => options.release(userId, socket.id);
      if (socket.conn.readyState !== 'open') {
        release();
        return next(new Error('the connection closed during the handshake'));
      }
      socket.once('disconnect', release);
      socket.conn.once('close', release);
      next();
    } catch (error) {
      // Only the verifier says `unauthorized` (a bad or expired token: the app signs in again).
      // Anything else is a dependency failing, and the app must keep its session and retry.
      if (!(error instanceof AppError)) logger.warn({ err: error }, 'handshake failed');
      const body = error instanceof AppError ? error.toBody() : HANDSHAKE_UNAVAILABLE.toBody();
      // Counted, not logged: refused handshakes come in floods (an expired token, a key set outage).
      metrics.socketEvents.inc({ event: 'handshake', outcome: body.code });
      next(Object.assign(new Error(body.message), { data: body }));
    }
  });

  io.on('connection', (socket) => {
    void socket.join(userRoom(socket.data.userId));
    metrics.socketConnections.inc();
    socket.on('disconnect', () => metrics.socketConnections.dec());
  });

  return {
    io,
    clustered: adapterClients !== undefined,
    async close() {
      // This process's sockets only: through the Redis adapter, io.disconnectSockets() would
      // disconnect every app on every process when one of them drains.
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (adapterClients) await Promise.all([closeRedis(adapterClients.publisher), closeRedis(adapterClients.subscriber)]);
    },
  };
}

const HANDSHAKE_UNAVAILABLE = new AppError('unavailable', 'cannot admit connections right now; retry later', 2);

/**
 * The adapter's two connections. It publishes without awaiting (@socket.io/redis-adapter 8.3):
 * a publish that fails while Redis is down would be an unhandled rejection, which ends the
 * process, so its publisher drops failed publishes (the apps' `sync` recovers what did not
 * reach their sockets). Its subscriber queues its SUBSCRIBEs until Redis answers, however long
 * that takes, and ioredis subscribes again after each reconnection.
 */
function redisAdapterClients(redis: Redis, logger: Logger): { publisher: Redis; subscriber: Redis } {
  const publisher = redis.duplicate();
  const publish = publisher.publish.bind(publisher) as (channel: string, message: string | Buffer) => Promise<number>;
  publisher.publish = ((channel: string, message: string | Buffer) => publish(channel, message).catch(() => 0)) as Redis['publish'];
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  // The shared connection reports the outage; these two only say so at debug.
  for (const client of [publisher, subscriber]) client.on('error', (err) => logger.debug({ err }, 'redis adapter connection error'));
  return { publisher, subscriber };
}
