// The Socket.io edge: transport settings (OWASP), Origin allow-list, the JWT handshake, the
// Redis adapter for several bridge processes, and one room per user for delivery.
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { AppError } from '../protocol/errors.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../protocol/events.ts';
import type { JwtVerifier } from './jwt.ts';

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
  /** Called for each authenticated connection attempt; throws to refuse it (rate limits). */
  admit: (userId: string) => Promise<void>;
  logger: Logger;
  metrics: Metrics;
}

export interface SocketServer {
  io: BridgeServer;
  /** True when events fan out to other bridge processes through Redis. */
  clustered: boolean;
  close(): Promise<void>;
}

export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): SocketServer {
  const { allowedOrigins, verifier, logger, metrics } = options;
  const io: BridgeServer = new Server(httpServer, {
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

  // The adapter publishes on the shared client and needs a connection of its own to subscribe.
  const subscriber = options.redis?.duplicate();
  if (options.redis && subscriber) {
    subscriber.on('error', (err) => logger.warn({ err }, 'redis subscriber connection error'));
    io.adapter(createAdapter(options.redis, subscriber));
  }

  io.use(async (socket, next) => {
    try {
      socket.data = await verifier.verify((socket.handshake.auth as { token?: unknown } | undefined)?.token);
      await options.admit(socket.data.userId);
      next();
    } catch (error) {
      const body = error instanceof AppError ? error.toBody() : { code: 'unauthorized', message: 'unauthorized' };
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
    clustered: subscriber !== undefined,
    async close() {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
