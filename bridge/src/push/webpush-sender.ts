// Browser pushes through the Web Push protocol (RFC 8030), VAPID (RFC 8292) and aes128gcm
// payload encryption (RFC 8291), with the `web-push` package.
import { Agent } from 'node:https';
import webpush from 'web-push';
import type { PushEndpointPolicy } from './push-endpoints.ts';
import { boundedCollapseKey, DEFAULT_PUSH_TTL_SECONDS } from './push-message.ts';
import type { PushMessage } from '../store/rows.ts';
import { delivered, fromWebPushError, type PushOutcome } from './push-outcome.ts';

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface WebPushSenderOptions {
  /** URL-safe base64 P-256 keys, as `web-push generate-vapid-keys` prints them. */
  vapidPublicKey: string;
  vapidPrivateKey: string;
  /** `mailto:` or `https:` contact the push service can reach the sender at. */
  subject: string;
  ttlSeconds?: number;
  timeoutMs?: number;
  /** Where pushes may go: checked again at each send (a stored endpoint may predate the policy). */
  endpoints: PushEndpointPolicy;
  /** Only for proxies and tests; production leaves it out. */
  agent?: Agent;
}

/** RFC 8030 §5.4: a topic is at most 32 characters of the URL-safe base64 alphabet. */
const TOPIC_LENGTH = 32;

export class WebPushSender {
  private readonly vapidDetails: { subject: string; publicKey: string; privateKey: string };
  private readonly ttlSeconds: number;
  private readonly timeoutMs: number;
  private readonly endpoints: PushEndpointPolicy;
  private readonly agent: Agent;

  constructor(options: WebPushSenderOptions) {
    this.vapidDetails = { subject: options.subject, publicKey: options.vapidPublicKey, privateKey: options.vapidPrivateKey };
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.endpoints = options.endpoints;
    this.agent = options.agent ?? new Agent({ keepAlive: true, lookup: options.endpoints.lookup });
    // Signs a throwaway token so a bad key or subject stops the start-up rather than every push.
    webpush.getVapidHeaders('https://push.invalid', options.subject, options.vapidPublicKey, options.vapidPrivateKey, 'aes128gcm');
  }

  async send(subscription: WebPushSubscription, message: PushMessage): Promise<PushOutcome> {
    if (!isUsable(subscription)) return { ok: false, gone: true, reason: 'webpush/invalid-subscription' };
    try {
      await this.endpoints.check(subscription.endpoint, { resolve: false });
    } catch {
      // A name that does not resolve now is the agent's lookup's to find (a network error: retried).
      return { ok: false, gone: true, reason: 'webpush/endpoint-not-allowed' };
    }
    try {
      await webpush.sendNotification(subscription, JSON.stringify(message), {
        vapidDetails: this.vapidDetails,
        contentEncoding: 'aes128gcm',
        TTL: this.ttlSeconds,
        urgency: 'high',
        topic: boundedCollapseKey(message.collapseKey, TOPIC_LENGTH),
        timeout: this.timeoutMs,
        agent: this.agent,
      });
      return delivered;
    } catch (error) {
      return fromWebPushError(error);
    }
  }
}

/** A subscription that can never be encrypted to or posted to (RFC 8291 key sizes). */
function isUsable(subscription: WebPushSubscription): boolean {
  try {
    if (new URL(subscription.endpoint).protocol !== 'https:') return false;
  } catch {
    return false;
  }
  return Buffer.from(subscription.keys.p256dh, 'base64url').length === 65 && Buffer.from(subscription.keys.auth, 'base64url').length >= 16;
}
