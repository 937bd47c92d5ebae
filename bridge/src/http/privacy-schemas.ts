// The privacy routes' answers as zod schemas, for the OpenAPI document (openapi.ts). The erasure
// summary is checked at compile time against the feature's own type.
import { z } from 'zod';
import type { ErasureSummary } from '../privacy/user-erasure.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

const count = z.int().nonnegative();
const time = z.iso.datetime({ offset: true });

export const erasureSummarySchema = z.object({
  userId: z.string(),
  erasedAt: time.describe('When the user was first erased'),
  repeated: z.boolean().describe('True when the user had been erased before: the counts are what arrived since'),
  removed: z.object({
    messages: count.describe('Taken out of the read model; members see them as deleted (message:deleted, and sync)'),
    edits: count,
    reactions: count,
    devices: count.describe('Push devices, with their queued pushes'),
    blocksMade: count,
    blocksOfUser: count.describe("Others' blocks of the user"),
    readMarkers: count,
    mutedChats: count,
    sentRecords: count.describe('Send idempotency records'),
    profile: count.describe('1 when the stored name was replaced'),
  }),
  queued: z.object({ redactions: count.describe('Matrix events of the user still to be redacted by the bridge, in the background') }),
  matrixAccount: z.object({
    state: z
      .enum(['done', 'pending', 'skipped'])
      .describe('done: media deleted and account deactivated; pending: retried in the background; skipped: no SYNAPSE_ADMIN_TOKEN'),
    mediaDeleted: count,
  }),
});

const iso = time.nullable();
export const userExportSchema = z.object({
  userId: z.string(),
  exportedAt: time,
  profile: z.object({ name: z.string(), matrixUserId: z.string(), createdAt: time, updatedAt: time }).nullable(),
  erasure: z.object({ requestedAt: time, matrixAccount: z.string() }).nullable(),
  bookings: z.array(
    z.object({
      bookingId: z.string(),
      chatId: z.string().describe("The booking's Matrix room"),
      role: z.enum(['customer', 'artist']).nullable().describe('null: the user wrote in it before the booking system replaced them'),
      title: z.string().nullable(),
      status: z.string().nullable(),
      startsAt: iso,
      createdAt: time,
      updatedAt: time,
    }),
  ),
  messages: z.array(
    z.object({
      id: z.string(),
      bookingId: z.string(),
      kind: z.enum(['text', 'image', 'system']),
      text: z.string().optional(),
      image: z
        .object({
          mxc: z.string().describe('The Matrix content URI'),
          thumbnailMxc: z.string().nullable(),
          mimetype: z.string(),
          width: z.int(),
          height: z.int(),
          size: z.int(),
        })
        .optional(),
      clientId: z.string().nullable(),
      createdAt: time,
    }),
  ),
  edits: z.array(z.object({ id: z.string(), messageId: z.string(), bookingId: z.string(), text: z.string(), createdAt: time })),
  reactions: z.array(
    z.object({ id: z.string(), messageId: z.string(), bookingId: z.string(), key: z.string(), createdAt: time, removedAt: iso }),
  ),
  blocks: z.array(z.object({ userId: z.string(), createdAt: time })),
  pushDevices: z.array(z.object({ id: z.string(), kind: z.enum(['fcm', 'webpush']), createdAt: time, updatedAt: time })),
  mutedChats: z.array(z.object({ bookingId: z.string(), until: iso })),
  readMarkers: z.array(z.object({ bookingId: z.string(), lastReadCursor: z.string(), updatedAt: time })),
  reports: z.array(z.object({ id: z.string(), bookingId: z.string(), messageId: z.string(), reason: z.string(), createdAt: time })),
});

export type ErasureSummaryMatches = Assert<Same<z.output<typeof erasureSummarySchema>, ErasureSummary>>;
