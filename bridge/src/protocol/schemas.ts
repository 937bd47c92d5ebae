// Payload schemas for every client event and REST body: the edge validates with these, the
// inside trusts the parsed values. Unknown keys are dropped, so clients may send extensions.
import { z } from 'zod';
import { encodeLocalpart, MAX_ESCAPED_USER_ID } from './user-ids.ts';

/**
 * Whether PostgreSQL (text and jsonb) and JSON can carry a string: no U+0000 and no unpaired
 * surrogate. One such string reaching the read model would be refused there, on the road every
 * later event takes, so the edge refuses it with `invalid`.
 */
export function isStorable(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

const UNSTORABLE = 'must not hold U+0000 or an unpaired surrogate';

/** Every string an app or the booking system sends is built on this. */
export const storableString = () => z.string().refine(isStorable, UNSTORABLE);

// Structured data is stored as jsonb and carried in a Matrix event: bounded, so that a deep or
// huge value is refused here rather than overflowing a stack or a homeserver limit later.
const DATA_MAX_DEPTH = 32;
const DATA_MAX_VALUES = 10_000;

/** Why a parsed JSON value cannot be stored as it is (undefined when it can), walked without recursion. */
function jsonDataProblem(root: unknown): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  for (let values = 1; pending.length > 0; values++) {
    const { value, depth } = pending.pop()!;
    if (values > DATA_MAX_VALUES) return `at most ${DATA_MAX_VALUES} values`;
    if (depth > DATA_MAX_DEPTH) return `at most ${DATA_MAX_DEPTH} levels deep`;
    if (typeof value === 'string') {
      if (!isStorable(value)) return `strings ${UNSTORABLE}`;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (!isStorable(key)) return `keys ${UNSTORABLE}`;
        pending.push({ value: child, depth: depth + 1 });
      }
    } else if (typeof value === 'number') {
      // Matrix events are canonical JSON: the homeserver refuses fractions and integers beyond 2^53.
      if (!Number.isSafeInteger(value)) return 'numbers must be integers within ±(2^53 - 1)';
    } else if (!(value === null || typeof value === 'boolean')) {
      return 'JSON values only';
    }
  }
  return undefined;
}

/** A JSON object whose every key and string the read model can store. */
const storableDataSchema = z.record(z.string(), z.unknown()).superRefine((data, context) => {
  const problem = jsonDataProblem(data);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

/** Booking ids come from the booking system: opaque, but short and printable. */
export const bookingIdSchema = storableString()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** Platform user ids (the JWT `sub`). Each is a Matrix user id too (matrix/ids.ts), which Matrix caps. */
export const userIdSchema = storableString()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .refine((id) => encodeLocalpart(id).length <= MAX_ESCAPED_USER_ID, {
    message: `too long once escaped for Matrix (upper case and symbols count 2-3 times; at most ${MAX_ESCAPED_USER_ID})`,
  });

export const roleSchema = z.enum(['customer', 'artist']);
const nameSchema = storableString().trim().min(1).max(100);

/** Text length is checked again against MESSAGE_MAX_LENGTH (too_large); this cap only guards memory. */
const textSchema = storableString().min(1).max(65536);

export const emptyPayloadSchema = z.object({}).optional();

/** Read-model cursors are decimal, at most PostgreSQL's bigint; `mx:` cursors page through Synapse beyond the read model. */
const MAX_CURSOR = 2n ** 63n - 1n;
const cursorSchema = storableString().refine((value) => /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_CURSOR, 'a cursor');
const historyCursorSchema = z.union([cursorSchema, storableString().regex(/^mx:[\x21-\x7e]{1,500}$/, 'a cursor')]);
const eventIdSchema = storableString().regex(/^\$[\x21-\x7e]{1,254}$/, 'a message id');

export const chatHistorySchema = z.object({
  bookingId: bookingIdSchema,
  before: historyCursorSchema.optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

export const messageSendSchema = z.object({
  bookingId: bookingIdSchema,
  clientId: z.uuid(),
  text: textSchema,
  /** The message this one answers (same booking). */
  replyTo: eventIdSchema.optional(),
});

export const messageEditSchema = z.object({ bookingId: bookingIdSchema, messageId: eventIdSchema, text: textSchema });

export const messageDeleteSchema = z.object({ bookingId: bookingIdSchema, messageId: eventIdSchema });

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/** A reaction's key: one emoji, as one grapheme cluster (a flag, a skin tone, a family are one each). */
export const reactionKeySchema = storableString()
  .min(1)
  .max(32)
  .refine((key) => [...graphemes.segment(key)].length === 1 && EMOJI.test(key), 'one emoji');

export const messageReactSchema = z.object({ bookingId: bookingIdSchema, messageId: eventIdSchema, key: reactionKeySchema });

export const messageReadSchema = z.object({ bookingId: bookingIdSchema, messageId: eventIdSchema });

export const typingSchema = z.object({ bookingId: bookingIdSchema, typing: z.boolean() });

export const syncSchema = z.object({
  since: cursorSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(500),
});

export const systemMessageSchema = z.object({
  type: storableString().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a dotted lower-case name such as booking.confirmed'),
  text: storableString().trim().min(1).max(2000).optional(),
  data: storableDataSchema.optional(),
});

export const messageReportSchema = z.object({ messageId: eventIdSchema, reason: storableString().trim().min(1).max(500) });

export const userTargetSchema = z.object({ userId: userIdSchema });

export const authRefreshSchema = z.object({ token: z.string().min(1).max(8192) });

// The decoded length by arithmetic (every 4 characters carry 3 bytes), not Buffer: this module
// is shared with the client SDK, which runs where Node's APIs do not.
const base64url = (bytes: number, exact: boolean) =>
  storableString()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url')
    .refine(
      (value) => {
        const length = Math.floor((value.replace(/=+$/, '').length * 3) / 4);
        return exact ? length === bytes : length >= bytes;
      },
      `${exact ? '' : 'at least '}${bytes} bytes`,
    );

export const webPushSubscriptionSchema = z.object({
  endpoint: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .refine(isStorable, UNSTORABLE),
  keys: z.object({ p256dh: base64url(65, true), auth: base64url(16, false) }),
});

export const pushRegisterSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fcm'),
    token: storableString().regex(/^[\x21-\x7e]{20,4096}$/, 'an FCM registration token'),
    replaces: z.uuid().optional(),
  }),
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
    status: storableString().min(1).max(64).optional(),
    title: storableString().trim().min(1).max(200).optional(),
  })
  .refine((b) => b.customer.id !== b.artist.id, { message: 'customer and artist must differ', path: ['artist', 'id'] });

export type ChatHistoryRequest = z.output<typeof chatHistorySchema>;
export type MessageSendRequest = z.output<typeof messageSendSchema>;
export type MessageEditRequest = z.output<typeof messageEditSchema>;
export type MessageDeleteRequest = z.output<typeof messageDeleteSchema>;
export type MessageReactRequest = z.output<typeof messageReactSchema>;
export type SystemMessageRequest = z.output<typeof systemMessageSchema>;
export type BookingUpsert = z.output<typeof bookingUpsertSchema>;
