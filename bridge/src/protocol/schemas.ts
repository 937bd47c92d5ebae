// Payload schemas for every client event and REST body: the edge validates with these, the
// inside trusts the parsed values. Unknown keys are dropped, so clients may send extensions.
import { z } from 'zod';

/** Booking ids come from the booking system: opaque, but short and printable. */
export const bookingIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** Platform user ids (the JWT `sub`). */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const roleSchema = z.enum(['customer', 'artist']);
const nameSchema = z.string().trim().min(1).max(100);

/** Text length is checked again against MESSAGE_MAX_LENGTH (too_large); this cap only guards memory. */
const textSchema = z.string().min(1).max(65536);

export const chatsListSchema = z.object({}).optional();

/** Read-model cursors are decimal; `mx:` cursors page through Synapse beyond the read model. */
const cursorSchema = z.string().regex(/^\d{1,19}$/, 'a cursor');
const historyCursorSchema = z.union([cursorSchema, z.string().regex(/^mx:[\x21-\x7e]{1,500}$/, 'a cursor')]);
const eventIdSchema = z.string().regex(/^\$[\x21-\x7e]{1,254}$/, 'a message id');

export const chatHistorySchema = z.object({
  bookingId: bookingIdSchema,
  before: historyCursorSchema.optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

export const messageSendSchema = z.object({
  bookingId: bookingIdSchema,
  clientId: z.uuid(),
  text: textSchema,
});

export const messageReadSchema = z.object({ bookingId: bookingIdSchema, messageId: eventIdSchema });

export const typingSchema = z.object({ bookingId: bookingIdSchema, typing: z.boolean() });

export const syncSchema = z.object({
  since: cursorSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(500),
});

export const systemMessageSchema = z.object({
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a dotted lower-case name such as booking.confirmed'),
  text: z.string().trim().min(1).max(2000).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const messageReportSchema = z.object({ messageId: eventIdSchema, reason: z.string().trim().min(1).max(500) });

export const userTargetSchema = z.object({ userId: userIdSchema });

const base64url = (bytes: number, exact: boolean) =>
  z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url').refine((value) => {
    const length = Buffer.from(value, 'base64url').length;
    return exact ? length === bytes : length >= bytes;
  }, `${exact ? '' : 'at least '}${bytes} bytes`);

export const webPushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }).max(2048),
  keys: z.object({ p256dh: base64url(65, true), auth: base64url(16, false) }),
});

export const pushRegisterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fcm'), token: z.string().regex(/^[\x21-\x7e]{20,4096}$/, 'an FCM registration token'), replaces: z.uuid().optional() }),
  z.object({ kind: z.literal('webpush'), subscription: webPushSubscriptionSchema, replaces: z.uuid().optional() }),
]);

export const pushUnregisterSchema = z.object({ deviceId: z.uuid() });

export const appStateSchema = z.object({ state: z.enum(['foreground', 'background']) });

export const chatMuteSchema = z.object({ bookingId: bookingIdSchema, until: z.iso.datetime({ offset: true }).optional() });

export const chatUnmuteSchema = z.object({ bookingId: bookingIdSchema });

export const bookingPartySchema = z.object({ id: userIdSchema, name: nameSchema });

export const bookingUpsertSchema = z
  .object({
    customer: bookingPartySchema,
    artist: bookingPartySchema,
    startsAt: z.iso.datetime({ offset: true }).optional(),
    status: z.string().min(1).max(64).optional(),
    title: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => b.customer.id !== b.artist.id, { message: 'customer and artist must differ', path: ['artist', 'id'] });

export type ChatHistoryRequest = z.output<typeof chatHistorySchema>;
export type MessageSendRequest = z.output<typeof messageSendSchema>;
export type SystemMessageRequest = z.output<typeof systemMessageSchema>;
export type BookingUpsert = z.output<typeof bookingUpsertSchema>;
