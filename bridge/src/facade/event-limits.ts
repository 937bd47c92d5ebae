// Which per-user rate limit counts each client event. Every event must be listed (the type
// says so), and onEvent counts it before anything else, so no handler can forget its limit.
// The classes, their settings and defaults are in docs/protocol.md ("Limits").
import type { RequestName } from '../protocol/events.ts';
import type { RateLimitKind } from '../config/rate-limits.ts';

export const EVENT_LIMITS: Record<RequestName, RateLimitKind> = {
  // Each writes an event to the homeserver.
  'message:send': 'message',
  'message:edit': 'message',
  'message:delete': 'message',
  'message:react': 'message',
  'message:unreact': 'message',
  'message:report': 'report',
  // Reads: what an app asks for when it opens, reconnects or scrolls back.
  'chats:list': 'read',
  'chat:history': 'read',
  sync: 'read',
  'blocks:list': 'read',
  'push:config': 'read',
  // Signals: small, frequent, written through to the homeserver or Redis.
  typing: 'signal',
  'message:read': 'signal',
  'app:state': 'signal',
  'user:block': 'block',
  'user:unblock': 'block',
  // Settings: devices and muted chats.
  'push:register': 'setting',
  'push:unregister': 'setting',
  'chat:mute': 'setting',
  'chat:unmute': 'setting',
  // A new token is checked like a handshake's.
  'auth:refresh': 'connection',
};
