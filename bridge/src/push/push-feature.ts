// The push feature built in one place: the device store, presence, the senders each configured
// service needs, the queue worker and the notifier that fills its queue. createApp starts and
// stops it as one part.
import type { Agent } from 'node:https';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import { stopAll } from '../lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { Database } from '../store/database.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { OutboxStore } from '../store/outbox-store.ts';
import { PushStore } from '../store/push-store.ts';
import { FcmSender } from './fcm-sender.ts';
import { PushNotifier } from './notifier.ts';
import { Presence } from './presence.ts';
import { PushEndpointPolicy } from './push-endpoints.ts';
import { PushWorker } from './push-worker.ts';
import { WebPushSender } from './webpush-sender.ts';

export interface PushFeatureDeps {
  config: Config['push'];
  db: Database;
  redis: Redis | undefined;
  outbox: OutboxStore;
  bookings: BookingsStore;
  messages: MessagesStore;
  /** Tests point the senders at a local stand-in of FCM or a Web Push service. */
  agents?: { fcm?: Agent; webPush?: Agent };
  metrics: Metrics;
  logger: Logger;
}

export function createPush({ config, db, redis, outbox, bookings, messages, agents, metrics, logger }: PushFeatureDeps) {
  const store = new PushStore(db);
  const presence = new Presence(redis);
  const fcm = config.fcmServiceAccount
    ? new FcmSender({ serviceAccount: config.fcmServiceAccount, httpAgent: agents?.fcm, ttlSeconds: config.ttlSeconds })
    : undefined;
  const webPushEndpoints = new PushEndpointPolicy(config.webPushAllowedHosts);
  const webPush = config.webPush
    ? new WebPushSender({
        vapidPublicKey: config.webPush.publicKey,
        vapidPrivateKey: config.webPush.privateKey,
        subject: config.webPush.subject,
        ttlSeconds: config.ttlSeconds,
        endpoints: webPushEndpoints,
        agent: agents?.webPush,
      })
    : undefined;
  const worker = new PushWorker({ store, fcm, webPush, metrics, logger });
  const notifier = new PushNotifier({
    store,
    outbox,
    presence,
    bookings,
    messages,
    previews: config.previews,
    onQueued: () => worker.kick(),
  });
  return {
    store,
    presence,
    notifier,
    webPushEndpoints,
    webPushPublicKey: config.webPush?.publicKey,
    start() {
      presence.start();
      worker.start();
    },
    stop: () =>
      stopAll([
        ['push worker', () => worker.stop()],
        ['presence', () => presence.stop()],
        ['fcm', () => fcm?.close()],
      ]),
  };
}
