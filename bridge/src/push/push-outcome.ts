// What became of one push, and the mapping of FCM and Web Push failures onto it, in one place.
// `gone`: the token or subscription will never work again, so the device is removed.
// `retryAfterMs` present: a transient failure, try again no sooner than that.
// Neither: a permanent failure of this push only (logged, dropped).
import { WebPushError } from 'web-push';
import { NETWORK_ERROR_CODES } from '../shared/network-errors.ts';

export type PushOutcome = { ok: true } | { ok: false; gone: boolean; retryAfterMs?: number; reason: string };

/** FCM asks for at least a minute before retrying QUOTA_EXCEEDED (FCM v1 ErrorCode reference). */
const QUOTA_RETRY_MS = 60_000;
/** First retry delay for unavailable/internal/network failures that came without a Retry-After. */
const TRANSIENT_RETRY_MS = 5_000;

export const delivered: PushOutcome = { ok: true };

const gone = (reason: string): PushOutcome => ({ ok: false, gone: true, reason });
const failed = (reason: string): PushOutcome => ({ ok: false, gone: false, reason });
const retry = (reason: string, retryAfterMs: number): PushOutcome => ({ ok: false, gone: false, retryAfterMs, reason });

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface FirebaseFailure {
  code?: unknown;
  message?: unknown;
  httpResponse?: { status?: number; headers?: Record<string, unknown> };
}

const FCM_TOKEN_GONE = new Set([
  'messaging/registration-token-not-registered', // UNREGISTERED / NOT_FOUND (404)
  'messaging/invalid-registration-token', // legacy InvalidRegistration
]);
const FCM_QUOTA = new Set([
  'messaging/message-rate-exceeded', // QUOTA_EXCEEDED / RESOURCE_EXHAUSTED (429)
  'messaging/device-message-rate-exceeded',
]);
const FCM_TRANSIENT = new Set([
  'messaging/server-unavailable', // UNAVAILABLE (503)
  'messaging/internal-error', // INTERNAL (500)
  'app/network-error',
  'app/network-timeout',
  // The OAuth2 token could not be fetched: usually the token endpoint being unreachable.
  'app/invalid-credential',
]);

/** A rejection of firebase-admin's `messaging.send()` → outcome. */
export function fromFcmError(error: unknown): PushOutcome {
  const failure = (error ?? {}) as FirebaseFailure;
  const code = typeof failure.code === 'string' ? failure.code : 'unknown';
  const status = failure.httpResponse?.status;
  const reason = status === undefined ? code : `${code} (${status})`;
  const hinted = parseRetryAfter(failure.httpResponse?.headers?.['retry-after']);
  if (FCM_TOKEN_GONE.has(code)) return gone(reason);
  // FCM answers a malformed token with a plain INVALID_ARGUMENT; our payload has a fixed shape,
  // so only the token can be at fault then (FCM "manage tokens": detect invalid token responses).
  if (code === 'messaging/invalid-argument' && /registration token/i.test(String(failure.message))) return gone(reason);
  if (FCM_QUOTA.has(code)) return retry(reason, hinted ?? QUOTA_RETRY_MS);
  if (FCM_TRANSIENT.has(code)) return retry(reason, hinted ?? TRANSIENT_RETRY_MS);
  return failed(reason);
}

/** A rejection of web-push's `sendNotification()` → outcome (RFC 8030 push service answers). */
export function fromWebPushError(error: unknown): PushOutcome {
  if (error instanceof WebPushError) {
    const reason = `webpush/${error.statusCode}`;
    // 404 Not Found and 410 Gone: the subscription expired or was unsubscribed.
    if (error.statusCode === 404 || error.statusCode === 410) return gone(reason);
    const hinted = parseRetryAfter(error.headers?.['retry-after']);
    if (error.statusCode === 429) return retry(reason, hinted ?? QUOTA_RETRY_MS);
    if (error.statusCode >= 500) return retry(reason, hinted ?? TRANSIENT_RETRY_MS);
    return failed(reason);
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return retry(`webpush/${code}`, TRANSIENT_RETRY_MS);
  if (error instanceof Error && error.message === 'Socket timeout') return retry('webpush/timeout', TRANSIENT_RETRY_MS);
  return failed(`webpush/${error instanceof Error ? error.message : 'unknown'}`);
}
