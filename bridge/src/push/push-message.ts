// How a push notification (store/rows.ts PushMessage) is fitted to the push services: its lifetime and collapse key.
import { createHash } from 'node:crypto';

/** How long a push service keeps an undelivered notification: a chat alert is stale after that. */
export const DEFAULT_PUSH_TTL_SECONDS = 60 * 60;

/**
 * The collapse key squeezed into a service's limit (APNs `apns-collapse-id`: 64 bytes; Web Push
 * `Topic`: 32 URL-safe base64 characters): kept as it is when it fits, otherwise a stable hash.
 */
export function boundedCollapseKey(key: string, maxLength: number): string {
  if (key.length <= maxLength && /^[A-Za-z0-9_-]+$/.test(key)) return key;
  return createHash('sha256').update(key).digest('base64url').slice(0, maxLength);
}
