// The HTTP edge built in one place: the public Express app (the booking system's routes, OpenAPI,
// media, health, the demo's) on the public listener, and the metrics app on its own listener.
// Takes the feature parts its routes call.
import type { BookingAccess } from '../bookings/access.ts';
import type { BookingChats } from '../bookings/booking-chats.ts';
import type { SystemMessages } from '../bookings/system-messages.ts';
import type { Config } from '../config/config.ts';
import type { Redis } from 'ioredis';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { DecodeQueue } from '../media/decode-queue.ts';
import type { ImageSending } from '../media/image-sending.ts';
import type { MediaUrls } from '../media/media-urls.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';
import { createListener, listenOn, type TlsFiles } from '../shared/listeners.ts';
import type { Database } from '../store/database.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { Privacy } from '../privacy/privacy-feature.ts';
import { bookingRoutes } from './booking-routes.ts';
import { demoRoutes } from './demo-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { createHttpApp } from './http-app.ts';
import { mediaRoutes } from './media-routes.ts';
import { createMetricsApp } from './metrics-app.ts';
import { openApiRoutes } from './openapi.ts';
import { privacyRoutes } from './privacy-routes.ts';

export interface HttpEdgeDeps {
  config: Config;
  tls: TlsFiles | undefined;
  verifier: JwtVerifier;
  limiter: RateLimiter;
  bookingChats: BookingChats;
  systemMessages: SystemMessages;
  privacy: Pick<Privacy, 'exports' | 'erasure'>;
  media: { urls: MediaUrls; decodes: DecodeQueue; images: ImageSending };
  access: BookingAccess;
  messages: MessagesStore;
  homeserver: Homeserver;
  db: Database;
  redis: Redis | undefined;
  /** Rejects while the homeserver is unreachable (the matrix edge's watcher knows). */
  homeserverCheck: () => Promise<unknown>;
  metrics: Metrics;
  logger: Logger;
}

export function createHttpEdge(deps: HttpEdgeDeps) {
  const { config, tls, bookingChats, systemMessages, db, redis, metrics } = deps;
  if (config.serviceToken === undefined) throw new Error('SERVICE_TOKEN is required');
  const app = createHttpApp(deps.logger, metrics, {
    api: [
      bookingRoutes(config.serviceToken, bookingChats, systemMessages, deps.privacy.erasure.erasedAmong),
      privacyRoutes(config.serviceToken, deps.privacy, deps.logger),
      openApiRoutes(),
      mediaRoutes({
        verifier: deps.verifier,
        limiter: deps.limiter,
        decodes: deps.media.decodes,
        images: deps.media.images,
        urls: deps.media.urls,
        access: deps.access,
        messages: deps.messages,
        homeserver: deps.homeserver,
        maxImageBytes: config.images.maxBytes,
        thumbnailSize: config.images.thumbnailSize,
        downloadTimeoutMs: config.images.downloadTimeoutMs,
      }),
    ],
    health: healthRoutes({
      required: { database: () => db.raw('SELECT 1'), homeserver: deps.homeserverCheck },
      // Without Redis the bridge serves on (see outages/shared-redis.ts): degraded, not down.
      optional: redis ? { redis: () => redis.ping() } : {},
    }),
    demo: demoRoutes(config, { bookingChats, systemMessages }),
  });
  const publicServer = createListener(tls, app);
  // Scraped from inside the deployment only; TLS like the public listener when it has a certificate.
  const metricsServer = createListener(tls, createMetricsApp(metrics.registry));
  return {
    publicServer,
    servers: [publicServer, metricsServer],
    listenPublic: () => listenOn(publicServer, config.port, config.host),
    listenMetrics: () => listenOn(metricsServer, config.metrics.port, config.metrics.host),
  };
}
