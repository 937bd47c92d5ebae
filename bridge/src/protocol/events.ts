// The Socket.io contract as typed-event maps: the server and the client SDK both import these.
import type { Ack, Chat, Message, Ok, ReactionEvent } from './types.ts';
import type { z } from 'zod';
import {
  emptyPayloadSchema,
  chatHistorySchema,
  messageReadSchema,
  appStateSchema,
  chatMuteSchema,
  chatUnmuteSchema,
  messageReportSchema,
  pushRegisterSchema,
  pushUnregisterSchema,
  messageSendSchema,
  messageEditSchema,
  messageDeleteSchema,
  messageReactSchema,
  syncSchema,
  typingSchema,
  userTargetSchema,
  authRefreshSchema,
} from './schemas.ts';

type Reply<T> = (response: Ack<T>) => void;

export interface ClientToServerEvents {
  'chats:list': (payload: Record<string, never>, ack: Reply<{ chats: Chat[] }>) => void;
  'chat:history': (payload: z.input<typeof chatHistorySchema>, ack: Reply<{ messages: Message[]; before?: string }>) => void;
  'message:send': (payload: z.input<typeof messageSendSchema>, ack: Reply<{ message: Message }>) => void;
  /** Own text messages only; answers the message as it now is. */
  'message:edit': (payload: z.input<typeof messageEditSchema>, ack: Reply<{ message: Message }>) => void;
  /** Own messages only: deleted for everyone (an image's media too). */
  'message:delete': (payload: z.input<typeof messageDeleteSchema>, ack: Reply<Record<string, never>>) => void;
  /** One emoji per key; a user has each key once per message (a repeat is a no-op). */
  'message:react': (payload: z.input<typeof messageReactSchema>, ack: Reply<Record<string, never>>) => void;
  'message:unreact': (payload: z.input<typeof messageReactSchema>, ack: Reply<Record<string, never>>) => void;
  'message:read': (payload: z.input<typeof messageReadSchema>, ack: Reply<Record<string, never>>) => void;
  typing: (payload: z.input<typeof typingSchema>, ack: Reply<Record<string, never>>) => void;
  sync: (
    payload: z.input<typeof syncSchema>,
    ack: Reply<{
      messages: Message[];
      deleted: { bookingId: string; messageId: string }[];
      /** Messages from before `since` that were edited or reacted to after it, each once, as they now are. */
      changed: Message[];
      cursor: string;
      more: boolean;
    }>,
  ) => void;
  'message:report': (payload: z.input<typeof messageReportSchema>, ack: Reply<{ reportId: string }>) => void;
  'user:block': (payload: z.input<typeof userTargetSchema>, ack: Reply<Record<string, never>>) => void;
  'user:unblock': (payload: z.input<typeof userTargetSchema>, ack: Reply<Record<string, never>>) => void;
  /** Extension: the users one has blocked. */
  'blocks:list': (payload: Record<string, never>, ack: Reply<{ userIds: string[] }>) => void;
  'push:register': (payload: z.input<typeof pushRegisterSchema>, ack: Reply<{ deviceId: string }>) => void;
  /** Extension: forget a device (logout). */
  'push:unregister': (payload: z.input<typeof pushUnregisterSchema>, ack: Reply<Record<string, never>>) => void;
  /** Extension: what a web app needs to subscribe (its VAPID applicationServerKey). */
  'push:config': (payload: Record<string, never>, ack: Reply<{ webPushPublicKey: string | null }>) => void;
  'app:state': (payload: z.input<typeof appStateSchema>, ack: Reply<Record<string, never>>) => void;
  /** Extension: no pushes for this chat (until a time, or until chat:unmute). */
  'chat:mute': (payload: z.input<typeof chatMuteSchema>, ack: Reply<Record<string, never>>) => void;
  'chat:unmute': (payload: z.input<typeof chatUnmuteSchema>, ack: Reply<Record<string, never>>) => void;
  /** A new token for the same user, extending this socket's life (after `auth:expired`, or before). */
  'auth:refresh': (payload: z.input<typeof authRefreshSchema>, ack: Reply<{ expiresAt: string }>) => void;
}

/** Every request a client can make, by name. */
export type RequestName = keyof ClientToServerEvents;
/** What a client sends with a request. */
export type PayloadOf<E extends RequestName> = Parameters<ClientToServerEvents[E]>[0];
/** What a request's acknowledgement carries on success, without `ok`: what its server handler returns. */
export type AckResult<E extends RequestName> = Parameters<ClientToServerEvents[E]>[1] extends Reply<infer T> ? T : never;
/** A request's whole acknowledgement: success or failure. */
export type AckOf<E extends RequestName> = Ack<AckResult<E>>;
/** A request's acknowledgement when it succeeded. */
export type ResultOf<E extends RequestName> = Ok<AckResult<E>>;

/**
 * The schema that validates each request's payload: the server parses with it, so a handler's
 * payload type is the schema's output, and the map cannot miss an event.
 */
export const REQUEST_SCHEMAS = {
  'chats:list': emptyPayloadSchema,
  'chat:history': chatHistorySchema,
  'message:send': messageSendSchema,
  'message:edit': messageEditSchema,
  'message:delete': messageDeleteSchema,
  'message:react': messageReactSchema,
  'message:unreact': messageReactSchema,
  'message:read': messageReadSchema,
  typing: typingSchema,
  sync: syncSchema,
  'message:report': messageReportSchema,
  'user:block': userTargetSchema,
  'user:unblock': userTargetSchema,
  'blocks:list': emptyPayloadSchema,
  'push:register': pushRegisterSchema,
  'push:unregister': pushUnregisterSchema,
  'push:config': emptyPayloadSchema,
  'app:state': appStateSchema,
  'chat:mute': chatMuteSchema,
  'chat:unmute': chatUnmuteSchema,
  'auth:refresh': authRefreshSchema,
} as const satisfies Record<RequestName, z.ZodType>;

/** A request's payload as its handler sees it: parsed, defaults filled in. */
export type ParsedPayloadOf<E extends RequestName> = z.output<(typeof REQUEST_SCHEMAS)[E]>;

export interface ServerToClientEvents {
  message: (message: Message) => void;
  'message:deleted': (event: { bookingId: string; messageId: string }) => void;
  /** A message was edited: the whole message as it now is (with `editedAt`). */
  'message:edited': (message: Message) => void;
  reaction: (event: ReactionEvent) => void;
  typing: (event: { bookingId: string; userId: string; typing: boolean }) => void;
  receipt: (event: { bookingId: string; userId: string; messageId: string }) => void;
  'chat:updated': (chat: Chat) => void;
  /** The user is no longer a member of that booking: drop the chat (nothing of it reaches them any more). */
  'chat:removed': (event: { bookingId: string }) => void;
  /** The socket's token expired: send `auth:refresh` before the grace period ends, or be disconnected. */
  'auth:expired': (event: Record<string, never>) => void;
}

/** Events between bridge processes (through the Redis adapter). */
export interface InterServerEvents {
  /** A message reached the read model: wakes a `message:send` waiting for its acknowledgement. */
  'message:stored': (message: Message) => void;
  /** An edit, deletion or reaction (by its event id) reached the read model: wakes a request waiting for it. */
  'change:stored': (eventId: string) => void;
}

/** What the handshake leaves on every socket. */
export interface SocketData {
  userId: string;
  role: 'customer' | 'artist';
  name: string;
  /** When the socket's token expires (ms since the epoch). */
  expiresAt: number;
}
