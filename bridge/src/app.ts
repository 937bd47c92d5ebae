// createApp(config, deps): wires every part of the bridge. main.ts and the tests both call it.
// Each feature folder and each edge builds its parts in one factory; createApp lists them in the
// order they depend on each other, starts them in that order and stops them in reverse.
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import type { Config } from './config/config.ts';
import { createFacade } from './facade/facade-edge.ts';
import { createBookings } from './bookings/bookings-feature.ts';
import type { RoomPool } from './bookings/room-pool.ts';
import { createPush } from './push/push-feature.ts';
import { createSafety } from './safety/safety-feature.ts';
import { createHttpEdge } from './http/http-edge.ts';
import { Homeserver } from './matrix/homeserver.ts';
import { createMatrixEdge } from './matrix/matrix-edge.ts';
import { SynapseAdmin } from './matrix/synapse-admin.ts';
import { createMedia } from './media/media-feature.ts';
import type { DecodeQueue } from './media/decode-queue.ts';
import { createMessages } from './messages/messages-feature.ts';
import { createPrivacy } from './privacy/privacy-feature.ts';
import { MessageView } from './messages/message-view.ts';
import { MessageStates } from './messages/message-states.ts';
import { ConversationStore } from './store/conversation-store.ts';
import { ReadModelRetention } from './messages/retention.ts';
import { StoredMessageWaiters } from './messages/stored-message-waiters.ts';
import { RateLimiter } from './safety/rate-limiter.ts';
import { JwtVerifier } from './shared/jwt-verifier.ts';
import { closeServer } from './shared/listeners.ts';
import { createLogger, routeBridgeLogs, type Logger } from './observability/logger.ts';
import { FaultPoints } from './observability/fault-points.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { DependencyHealth } from './outages/dependency-health.ts';
import { closeRedis, openRedis } from './outages/shared-redis.ts';
import { stopAll } from './lifecycle.ts';
import { BookingsStore } from './store/bookings-store.ts';
import { migrate, openDatabase, type Database } from './store/database.ts';
import { MessageRowCache } from './store/message-row-cache.ts';
import { MessagesStore } from './store/messages-store.ts';
import { OutboxStore } from './store/outbox-store.ts';
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
  /** Synapse's admin API, when a server admin's token is configured (SYNAPSE_ADMIN_TOKEN, or provisioned for the bundled Synapse). */
  synapseAdmin: SynapseAdmin | undefined;
  logger: Logger;
  /** The rooms made ahead of new bookings; `settled()` once it is topped up (for tests and the bench). */
  roomPool: Pick<RoomPool, 'settled'>;
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

/** What every part is built on: the database (migrated, old read-model partitions dropped), the stores, the homeserver, Redis and the shared checks. */
async function openFoundations(config: Config, deps: AppDeps, logger: Logger, metrics: Metrics) {
  const db = openDatabase(required(config.databaseUrl, 'DATABASE_URL'), { maxConnections: deps.maxDatabaseConnections, logger });
  await migrate(db);
  const retention = new ReadModelRetention(db, config.retentionDays, logger);
  await retention.run();
  const messages = new MessagesStore(db, new MessageRowCache(config.messageCacheSize));
  const homeserver = await Homeserver.connect({
    url: deps.synapseUrl,
    serverName: config.synapse.serverName,
    botLocalpart: config.appservice.botLocalpart,
    registration: deps.registration,
    onMalformedEvent: () => metrics.malformedPagedEvents.inc(),
  });
  const synapseAdmin = config.synapse.adminToken ? new SynapseAdmin(deps.synapseUrl, config.synapse.adminToken) : undefined;
  if (!synapseAdmin) logger.warn('no SYNAPSE_ADMIN_TOKEN: erasure will not delete media from Synapse nor deactivate Matrix accounts');
  const tls = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
  const redis = config.redisUrl ? openRedis(config.redisUrl, new DependencyHealth('redis', metrics, logger), logger) : undefined;
  return {
    config,
    synapseUrl: deps.synapseUrl,
    registration: deps.registration,
    db,
    retention,
    bookings: new BookingsStore(db),
    users: new UsersStore(db),
    outbox: new OutboxStore(db),
    messages,
    homeserver,
    synapseAdmin,
    tls,
    redis,
    limiter: new RateLimiter(config.rateLimits, redis),
    verifier: new JwtVerifier(config.jwt),
    faults: new FaultPoints(config.faultPauseAt, logger),
    metrics,
    logger,
  };
}

export async function createApp(config: Config, deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  routeBridgeLogs(logger);
  const base = await openFoundations(config, deps, logger, createMetrics());
  const { db, homeserver, redis } = base;
  const media = createMedia({ ...base, decodeQueue: deps.decodeQueue });
  const view = new MessageView(media.urls);
  const conversation = new ConversationStore(db);
  const states = new MessageStates(conversation, view);
  const waiters = new StoredMessageWaiters(base.messages, states);
  const facade = createFacade({ ...base, waiters });
  const { delivery } = facade;
  const push = createPush({ ...base, config: config.push, agents: deps.pushAgents });
  const bookingsFeature = createBookings({ ...base, states, delivery, waiters });
  const { access, bookingChats, systemMessages } = bookingsFeature;
  const { supportStaff, filterConfigFile } = config;
  const safety = await createSafety({
    ...base,
    access,
    states,
    conversation,
    maxBlocks: config.caps.blocks,
    supportStaff,
    filterConfigFile,
  });
  const lockReconciliationPasses = deps.maxDatabaseConnections !== 1;
  const pushes = push.notifier;
  const messagesFeature = createMessages({
    ...base,
    ...{ view, states, conversation, waiters, delivery, access, rooms: bookingChats, safety, pushes, lockReconciliationPasses },
  });
  const { inbound, ephemeral, reconciliation, history, catchUp, pipeline } = messagesFeature;
  const matrix = createMatrixEdge({ ...base, inbound, ephemeral, reconciliation, repairRooms: bookingsFeature.repairRooms });
  facade.serve({
    chat: { chats: bookingsFeature.chats, history, catchUp },
    message: messagesFeature,
    safety,
    push: { ...push, access, maxDevices: config.caps.pushDevices },
  });
  const images = media.sendImages(pipeline);
  const privacy = createPrivacy({ ...base, delivery });
  const web = createHttpEdge({
    ...base,
    bookingChats,
    systemMessages,
    privacy,
    access,
    media: { ...media, images },
    homeserverCheck: () => matrix.health.check(),
  });
  facade.attach(web.publicServer);
  // In order of start-up; stopped in reverse, every part asked even when one before it failed.
  const parts = [
    ['sockets', facade],
    ['push', push],
    ['messages', messagesFeature],
    ['bookings', bookingsFeature],
    ['privacy', privacy],
    ['transactions', matrix],
  ] as const;

  return {
    db,
    homeserver,
    synapseAdmin: base.synapseAdmin,
    logger,
    roomPool: bookingsFeature.pool,
    async listen() {
      const port = await web.listenPublic();
      media.publicPortBound(port);
      const appservicePort = await matrix.listen();
      const metricsPort = await web.listenMetrics();
      for (const [, part] of parts) part.start();
      logger.info({ port, appservicePort, metricsPort, tls: Boolean(config.tls) }, 'bridge listening');
      return { port, appservicePort, metricsPort };
    },
    homeserverRecovered: matrix.homeserverRecovered,
    close: () =>
      stopAll([
        ...parts.toReversed().map(([name, part]) => [name, () => part.stop()] as const),
        ['safety', () => safety.stop()],
        ['listeners', () => Promise.all([...web.servers, matrix.server].map(closeServer))],
        ['outbox', () => base.outbox.close()],
        ['homeserver', () => homeserver.close()],
        ['redis', () => redis && closeRedis(redis)],
        ['database', () => db.destroy()],
      ]),
  };
}
