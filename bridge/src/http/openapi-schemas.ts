// The REST answers as zod schemas, for the OpenAPI document (openapi.ts). Each is checked at
// compile time against the wire type it describes (protocol/types.ts, protocol/errors.ts), and
// the OpenAPI test checks real answers against the document: neither can drift from the code.
import { z } from 'zod';
import { ERROR_CODES, type ErrorBody } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import { uploadFieldsSchema } from './media-routes.ts';

/** Compiles only when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

const senderSchema = z.object({ id: z.string(), role: z.enum(['customer', 'artist', 'support', 'system']), name: z.string() });

const imageInfoSchema = z.object({
  url: z.url().describe('Signed link, valid for MEDIA_URL_TTL_SECONDS: fetch it without a token (an <img> tag can)'),
  thumbnailUrl: z.url(),
  width: z.int().positive(),
  height: z.int().positive(),
  mimetype: z.string(),
  size: z.int().nonnegative(),
});

export const messageSchema = z.object({
  id: z.string().describe('The Matrix event id'),
  bookingId: z.string(),
  cursor: z.string().regex(/^\d+$/).describe('Orders messages across all chats; sync resumes after it'),
  sender: senderSchema,
  kind: z.enum(['text', 'image', 'system']),
  text: z.string().optional(),
  image: imageInfoSchema.optional(),
  system: z.object({ type: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
  clientId: z.string().optional(),
  createdAt: z.iso.datetime({ offset: true }).describe("The homeserver's timestamp"),
  editedAt: z.iso.datetime({ offset: true }).optional().describe('When the text was last edited; text is the current one'),
  replyTo: z
    .object({
      id: z.string(),
      sender: senderSchema,
      preview: z.string().nullable().describe("The start of the original's current text; null once it was deleted"),
    })
    .optional()
    .describe('The message this one answers'),
  reactions: z
    .array(z.object({ key: z.string(), count: z.int().positive(), mine: z.boolean() }))
    .describe('Reactions now on the message, one per key'),
});

export const errorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryAfter: z.int().nonnegative().optional().describe('Seconds to wait before retrying (also the Retry-After header)'),
    reason: z.string().optional().describe('Machine-readable detail, e.g. the filter category with filtered'),
  }),
});

export const bookingUpsertResultSchema = z.object({
  bookingId: z.string(),
  roomId: z.string().describe("The booking's Matrix room"),
  created: z.boolean(),
});

export const messageResultSchema = z.object({ message: messageSchema });

export const healthSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']),
  checks: z
    .record(z.string(), z.enum(['ok', 'failing']))
    .describe('database and homeserver are required; redis (when configured) is optional: failing makes it degraded'),
});

/** The multipart form: the route's own fields, and the file. */
export const uploadFormSchema = uploadFieldsSchema.extend({
  image: z
    .string()
    .meta({ contentMediaType: 'application/octet-stream' })
    .describe('JPEG, PNG, WebP, GIF or HEIC; at most IMAGE_MAX_BYTES'),
});

// The schemas above describe exactly the wire types (a difference does not compile).
export type MessageSchemaMatches = Assert<Same<z.output<typeof messageSchema>, Message>>;
export type ErrorSchemaMatches = Assert<Same<z.output<typeof errorSchema>['error'], ErrorBody>>;
