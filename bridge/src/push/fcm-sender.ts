// Android and iOS pushes through Firebase Cloud Messaging (firebase-admin, FCM HTTP v1 API).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Messaging, type TokenMessage } from 'firebase-admin/messaging';
import { z } from 'zod';
import { boundedCollapseKey, DEFAULT_PUSH_TTL_SECONDS } from './push-message.ts';
import type { PushMessage } from '../store/rows.ts';
import { delivered, fromFcmError, type PushOutcome } from './push-outcome.ts';

const serviceAccountSchema = z.object({
  project_id: z.string().min(1),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
});

/** The service-account key (Firebase console → Project settings → Service accounts): its JSON text or its file. */
export type ServiceAccountSource = { json: string } | { file: string };

export interface FcmSenderOptions {
  serviceAccount: ServiceAccountSource;
  /**
   * Carries every request firebase-admin makes: the OAuth2 token exchange and the FCM calls.
   * Only for proxies and tests; production leaves it out. Needs the key as a file: given the
   * key as an object, firebase-admin drops the agent for the token exchange
   * (firebase/firebase-admin-node#2960, still so in 14.5.1).
   */
  httpAgent?: Agent;
  ttlSeconds?: number;
}

export class FcmSender {
  readonly projectId: string;
  private readonly app: App;
  private readonly messaging: Messaging;
  private readonly ttlSeconds: number;

  constructor(options: FcmSenderOptions) {
    const source = options.serviceAccount;
    if ('json' in source && options.httpAgent) {
      throw new Error('an httpAgent for FCM needs the service account as a file (firebase-admin-node#2960)');
    }
    const account = parseServiceAccount('json' in source ? source.json : readKeyFile(source.file));
    this.projectId = account.project_id;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
    const credential = cert(
      'file' in source
        ? source.file
        : { projectId: account.project_id, clientEmail: account.client_email, privateKey: account.private_key },
      options.httpAgent,
    );
    // A named app of our own, so that nothing else in the process shares or deletes it.
    this.app = initializeApp({ credential, httpAgent: options.httpAgent }, `booking-chat-fcm-${randomUUID()}`);
    this.messaging = getMessaging(this.app);
  }

  /**
   * One push to one registration token. `send()` (not `sendEach`) on purpose: it is a single
   * HTTP/1.1 request through `httpAgent`, whereas `sendEach` opens its own HTTP/2 session.
   * firebase-admin itself retries a 503 up to 4 times when its Retry-After is at most 60 s, so
   * this can take that long; a longer Retry-After comes back as `retryAfterMs`.
   */
  async send(token: string, message: PushMessage): Promise<PushOutcome> {
    try {
      await this.messaging.send(this.toFcm(token, message));
      return delivered;
    } catch (error) {
      return fromFcmError(error);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
  }

  private toFcm(token: string, message: PushMessage): TokenMessage {
    const expiresAt = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    return {
      token,
      notification: { title: message.title, body: message.body },
      data: { bookingId: message.bookingId, messageId: message.messageId },
      android: {
        priority: 'high',
        ttl: this.ttlSeconds * 1000,
        collapseKey: message.collapseKey,
        // The tag is what makes a newer notification replace the shown one in the tray.
        notification: { tag: message.collapseKey, notificationCount: message.badge },
      },
      apns: {
        headers: {
          'apns-collapse-id': boundedCollapseKey(message.collapseKey, 64),
          'apns-expiration': String(expiresAt),
          'apns-priority': '10',
        },
        payload: { aps: { badge: message.badge, threadId: message.bookingId, sound: 'default' } },
      },
    };
  }
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`the FCM service account file cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

function parseServiceAccount(json: string): z.infer<typeof serviceAccountSchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('the FCM service account is not valid JSON');
  }
  const result = serviceAccountSchema.safeParse(parsed);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`the FCM service account lacks ${fields}`);
  }
  return result.data;
}
