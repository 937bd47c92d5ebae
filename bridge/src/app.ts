// createApp(config, deps): wires every part of the bridge. main.ts and the tests both call it.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https, { type Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config/config.ts';
import { registerChatEvents } from './facade/chat-events.ts';
import { SocketDelivery } from './facade/socket-delivery.ts';
import { JwtVerifier } from './shared/jwt-verifier.ts';
import { registerMessageEvents } from './facade/message-events.ts';
import { registerSafetyEvents } from './facade/safety-events.ts';
import { registerPushEvents } from './facade/push-events.ts';
import { limitSocketToToken } from './facade/token-lifetime.ts';
import { createBookings } from './bookings/bookings-feature.ts';
import { createPush } from './push/push-feature.ts';
import { createSafety } from './safety/safety-feature.ts';
import { createSocketServer } from './facade/socket-server.ts';
import { bookingRoutes } from './http/booking-routes.ts';
import { createHttpApp } from './http/http-app.ts';
import { demoRoutes } from './http/demo-routes.ts';
import { openApiRoutes } from './http/openapi.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createMetricsApp } from './http/metrics-app.ts';
import { Homeserver } from './matrix/homeserver.ts';
import { HomeserverHealth } from './matrix/homeserver-health.ts';
import { transactionRoutes } from './matrix/transactions.ts';
import { StoredMessageWaiters } from './messages/stored-message-waiters.ts';
import { MessageHistory } from './messages/history.ts';
import { FollowUps } from './messages/follow-ups.ts';
import { OutboxDrainer } from './messages/outbox-drainer.ts';
import { ReadModelWriter } from './messages/read-model-writer.ts';
import { InboundEvents } from './messages/inbound-events.ts';
import { EventSenders } from './messages/event-senders.ts';
import { TextSends } from './messages/text-sends.ts';
import { SendPipeline } from './messages/send-pipeline.ts';
import { MessageView } from './messages/message-view.ts';
import { MediaUrls } from './media/media-urls.ts';
import { DecodeQueue } from './media/decode-queue.ts';
import { ImageSending } from './media/image-sending.ts';
import { mediaRoutes } from './http/media-routes.ts';
import { CatchUp } from './messages/catch-up.ts';
import { EphemeralEvents } from './messages/ephemeral.ts';
import { Receipts } from './messages/receipts.ts';
import { Reconciliation } from './messages/reconciliation.ts';
import { ReadModelRetention } from './messages/retention.ts';
import { TypingIndicators } from './messages/typing.ts';
import { ReadMarkersStore } from './store/read-markers-store.ts';
import { RateLimiter } from './safety/rate-limiter.ts';
import { SocketQuota } from './safety/socket-quota.ts';
import { createLogger, routeBridgeLogs, type Logger } from './observability/logger.ts';
import { FaultPoints } from './observability/fault-points.ts';
import { createMetrics } from './observability/metrics.ts';
import { DependencyHealth } from './outages/dependency-health.ts';
import { closeRedis, openRedis } from './outages/shared-redis.ts';
import { stopAll } from './lifecycle.ts';
import { BookingsStore } from './store/bookings-store.ts';
import { migrate, openDatabase, type Database } from './store/database.ts';
import { MessageRowCache } from './store/message-row-cache.ts';
import { MessagesStore } from './store/messages-store.ts';
import { DeadLettersStore } from './store/dead-letters-store.ts';
import { OutboxStore } from './store/outbox-store.ts';
import { readModelHorizon } from './store/partitions.ts';
import { ReconciliationStore } from './store/reconciliation-store.ts';
import { SendsStore } from './store/sends-store.ts';
import { UsersStore } from './store/users-store.ts';

export interface AppDeps {
  /** The homeserver's client-server API. */
  synapseUrl: string;
  /** The appservice registration Synapse was given (tokens included). */
  registration: { as_token: string; hs_token: string } & Record<string, unknown>;
  logger?: Logger;
  /** Embedded PGlite serves one connection at a time. */
  maxDatabaseConnections?: number;
  /** Carry the push services' requests (an egress proxy; the tests' stand-ins). */
  pushAgents?: { fcm?: Agent; webPush?: Agent };
  /** Image decodes; a test holds its slots to fill it. */
  decodeQueue?: DecodeQueue;
}

export interface App {
  db: Database;
  homeserver: Homeserver;
  logger: Logger;
  /** Starts the public, appservice and metrics listeners; returns the ports actually bound. */
  listen(): Promise<{ port: number; appservicePort: number; metricsPort: number }>;
  /**
   * The homeserver is back after an outage (the bundled Synapse restarted under `npm start`; the
   * health watcher calls it too): ping the appservice and reconcile. Resolves when that
   * reconciliation pass has ended; never rejects.
   */
  homeserverRecovered(): Promise<void>;
  close(): Promise<void>;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  server.closeAllConnections();
  return closed;
}

function listenOn(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function createApp(config: Config, deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  routeBridgeLogs(logger);
  const metrics = createMetrics();

  const db = openDatabase(required(config.databaseUrl, 'DATABASE_URL'), { maxConnections: deps.maxDatabaseConnections, logger });
  await migrate(db);
  const retention = new ReadModelRetention(db, config.retentionDays, logger);
  await retention.run();
  const bookings = new BookingsStore(db);
  const users = new UsersStore(db);
  const messages = new MessagesStore(db, new MessageRowCache(config.messageCacheSize));
  const sends = new SendsStore(db);
  const markers = new ReadMarkersStore(db);

  const homeserver = await Homeserver.connect({
    url: deps.synapseUrl,
    serverName: config.synapse.serverName,
    botLocalpart: config.appservice.botLocalpart,
    registration: deps.registration,
    onMalformedEvent: () => metrics.malformedPagedEvents.inc(),
  });

  const tlsOptions = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };

  const redis = config.redisUrl ? openRedis(config.redisUrl, new DependencyHealth('redis', metrics, logger), logger) : undefined;
  const limiter = new RateLimiter(config.rateLimits, redis);
  const socketQuota = new SocketQuota(config.caps.socketsPerUser, redis);
  const verifier = new JwtVerifier(config.jwt);
  // Built before the services (they deliver through it); attached to the public server once the HTTP app exists.
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
  let publicUrl = config.publicUrl;
  // Media URLs are signed with a key derived from the appservice token: every process of a
  // deployment has it, and it never leaves the bridge.
  const mediaKey = createHmac('sha256', deps.registration.as_token).update('booking-chat media urls').digest();
  const mediaUrls = new MediaUrls(() => publicUrl, mediaKey, config.mediaUrlTtlSeconds);
  const view = new MessageView(mediaUrls);
  const waiters = new StoredMessageWaiters(messages, view);
  const delivery = new SocketDelivery(sockets, waiters);
  const senders = new EventSenders(homeserver.ids, users);
  const outbox = new OutboxStore(db);
  const push = createPush({ config: config.push, db, redis, outbox, bookings, messages, agents: deps.pushAgents, metrics, logger });
  const bookingsFeature = createBookings({ bookings, users, messages, view, homeserver, delivery, waiters, logger });
  const { access, chats, bookingChats, systemMessages } = bookingsFeature;
  const safety = await createSafety({
    db,
    bookings,
    messages,
    access,
    view,
    homeserver,
    maxBlocks: config.caps.blocks,
    supportStaff: config.supportStaff,
    filterConfigFile: config.filterConfigFile,
    logger,
  });
  const { audience, blocks, reports, screening } = safety;
  const faults = new FaultPoints(config.faultPauseAt, logger);
  const followUps = new FollowUps({ delivery, waiters, view, pushes: push.notifier, outbox, faults, metrics });
  const writer = new ReadModelWriter({ messages, deadLetters: new DeadLettersStore(db), metrics, logger });
  const inbound = new InboundEvents({ bookings, writer, audience, senders, followUps, metrics, logger });
  const reconciliation = new Reconciliation({
    // Embedded PGlite has one connection, which a held lock would take from the pass itself.
    store: new ReconciliationStore(db, { lockPasses: deps.maxDatabaseConnections !== 1 }),
    homeserver,
    inbound,
    horizon: () => readModelHorizon(db),
    days: config.reconciliation.days,
    maxRooms: config.reconciliation.maxRooms,
    metrics,
    logger,
  });
  const homeserverHealth = new HomeserverHealth({ url: deps.synapseUrl, onRecovered: () => void homeserverRecovered(), logger });
  const drainer = new OutboxDrainer({ outbox, bookings, messages, audience, followUps, metrics, logger });
  const receipts = new Receipts({ access, bookings, messages, markers, homeserver, delivery, audience, logger });
  const typing = new TypingIndicators(access, bookings, homeserver, delivery, audience);
  const ephemeral = new EphemeralEvents(receipts, typing, logger);
  const chatServices = {
    chats,
    history: new MessageHistory({
      access,
      messages,
      homeserver,
      senders,
      view,
      horizon: () => readModelHorizon(db),
      blockedBy: (userId) => safety.store.blockedBy(userId),
    }),
    catchUp: new CatchUp(messages, view),
  };
  const pipeline = new SendPipeline({ homeserver, access, sends, waiters, blocks, screening, reports });
  const messageServices = {
    sending: new TextSends(pipeline, config.limits.messageMaxLength),
    receipts,
    typing,
  };
  const safetyServices = {
    reports,
    blocks,
  };
  const { store: pushStore, presence, webPushPublicKey, webPushEndpoints } = push;
  const pushServices = { store: pushStore, presence, access, webPushPublicKey, webPushEndpoints, maxDevices: config.caps.pushDevices };

  sockets.io.on('connection', (socket) => {
    const context = { socket, logger: logger.child({ userId: socket.data.userId, socketId: socket.id }), metrics, limiter };
    registerChatEvents(context, chatServices);
    registerMessageEvents(context, messageServices);
    registerSafetyEvents(context, safetyServices);
    registerPushEvents(context, pushServices);
    limitSocketToToken(context, verifier);
  });

  const decodes = deps.decodeQueue ?? new DecodeQueue(config.caps.imageDecodes, config.caps.imageDecodesWaiting);
  const images = new ImageSending(pipeline, homeserver, config.images, config.limits.messageMaxLength, decodes);

  const httpApp = createHttpApp(logger, metrics, {
    api: [
      bookingRoutes(required(config.serviceToken, 'SERVICE_TOKEN'), bookingChats, systemMessages),
      openApiRoutes(),
      mediaRoutes({
        verifier,
        limiter,
        decodes,
        images,
        urls: mediaUrls,
        access,
        messages,
        homeserver,
        maxImageBytes: config.images.maxBytes,
        thumbnailSize: config.images.thumbnailSize,
        downloadTimeoutMs: config.images.downloadTimeoutMs,
      }),
    ],
    health: healthRoutes({
      required: {
        database: () => db.raw('SELECT 1'),
        homeserver: () => homeserverHealth.check(),
      },
      // Without Redis the bridge serves on (see outages/shared-redis.ts): degraded, not down.
      optional: redis ? { redis: () => redis.ping() } : {},
    }),
    demo: demoRoutes(config, { bookingChats, systemMessages }),
  });

  const publicServer = tlsOptions ? https.createServer(tlsOptions, httpApp) : http.createServer(httpApp);
  sockets.io.attach(publicServer);

  let ready = false;
  const appserviceApp = express();
  appserviceApp.disable('x-powered-by');
  appserviceApp.use(
    transactionRoutes({
      hsToken: deps.registration.hs_token,
      sink: {
        store: (events, txnId) => inbound.store(events, txnId),
        deliver: (stored) => inbound.deliver(stored),
        ephemeral: (events) => ephemeral.handle(events),
      },
      isReady: () => ready,
      faults,
      logger,
      metrics,
    }),
  );
  appserviceApp.use(((error, _request, response, _next) => {
    response.status(error.status === 413 ? 413 : 400).json({ errcode: 'M_BAD_JSON', error: 'unreadable request' });
  }) as express.ErrorRequestHandler);
  // Synapse's side speaks TLS when its registration URL says https (TLS on every hop in production).
  const appserviceServer =
    tlsOptions && config.appservice.url.startsWith('https:')
      ? https.createServer(tlsOptions, appserviceApp)
      : http.createServer(appserviceApp);
  // Scraped from inside the deployment only; TLS like the public listener when it has a certificate.
  const metricsApp = createMetricsApp(metrics.registry);
  const metricsServer = tlsOptions ? https.createServer(tlsOptions, metricsApp) : http.createServer(metricsApp);

  // Synapse backs off after failed pushes; a ping makes it retry queued transactions now.
  const pingAppservice = () => void homeserver.pingAppservice().catch((err) => logger.warn({ err }, 'appservice ping failed'));
  const homeserverRecovered = () => {
    logger.info('homeserver recovered');
    pingAppservice();
    void bookingsFeature.repairRooms();
    return reconciliation.request('homeserver recovered');
  };

  return {
    db,
    homeserver,
    logger,
    async listen() {
      const port = await listenOn(publicServer, config.port, config.host);
      if (config.port === 0) publicUrl = publicUrl.replace(/:0$/, `:${port}`);
      const appservicePort = await listenOn(appserviceServer, config.appservice.port, config.appservice.host);
      const metricsPort = await listenOn(metricsServer, config.metrics.port, config.metrics.host);
      ready = true;
      retention.start();
      socketQuota.start();
      push.start();
      drainer.start();
      pingAppservice();
      homeserverHealth.start();
      // In the background: start-up never waits for Synapse's history.
      void reconciliation.request('start-up');
      bookingsFeature.start();
      logger.info({ port, appservicePort, metricsPort, tls: Boolean(config.tls) }, 'bridge listening');
      return { port, appservicePort, metricsPort };
    },
    homeserverRecovered,
    // In reverse order of start-up; every part is asked to stop even when one before it failed.
    close: () =>
      stopAll([
        ['transactions', () => void (ready = false)],
        ['retention', () => retention.stop()],
        ['homeserver health', () => homeserverHealth.stop()],
        ['reconciliation', () => reconciliation.stop()],
        ['bookings', () => bookingsFeature.stop()],
        ['safety', () => safety.stop()],
        ['sockets', () => sockets.close()],
        ['socket quota', () => socketQuota.stop()],
        ['outbox drainer', () => drainer.stop()],
        ['push', () => push.stop()],
        ['listeners', () => Promise.all([publicServer, appserviceServer, metricsServer].map(closeServer))],
        ['homeserver', () => homeserver.close()],
        ['redis', () => redis && closeRedis(redis)],
        ['database', () => db.destroy()],
      ]),
  };
}
