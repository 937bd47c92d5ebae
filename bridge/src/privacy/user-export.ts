// A user's export (GDPR access and portability): everything the bridge holds about them, as one
// JSON document written piece by piece. Small sections are read whole; messages, edits and
// reactions a page at a time, each page written before the next is read, so memory stays flat
// however many there are and a reader that stops reading (or goes away) stops the reads.
import type { ExportStore } from '../store/export-store.ts';

const PAGE = 1000;

export interface UserExportDeps {
  store: ExportStore;
}

const iso = (value: Date | string | null | undefined) => (value == null ? null : new Date(value).toISOString());

export class UserExport {
  private readonly store: ExportStore;

  constructor(deps: UserExportDeps) {
    this.store = deps.store;
  }

  /** The document's text, in chunks; JSON.stringify writes every value (no string is built by hand). */
  async *document(userId: string): AsyncGenerator<string> {
    const { store } = this;
    await store.audit(userId);
    const profile = await store.profile(userId);
    const erasure = await store.erasure(userId);
    yield `{"userId":${JSON.stringify(userId)},"exportedAt":${JSON.stringify(new Date().toISOString())}`;
    yield `,"profile":${JSON.stringify(
      profile
        ? {
            name: profile.name,
            matrixUserId: profile.matrix_user_id,
            createdAt: iso(profile.created_at),
            updatedAt: iso(profile.updated_at),
          }
        : null,
    )}`;
    yield `,"erasure":${JSON.stringify(erasure ? { requestedAt: iso(erasure.requested_at), matrixAccount: erasure.account_state } : null)}`;
    const bookings = (await store.bookings(userId)).map((b) => ({
      bookingId: b.booking_id,
      chatId: b.room_id,
      role: b.customer_id === userId ? 'customer' : b.artist_id === userId ? 'artist' : null,
      title: b.title,
      status: b.status,
      startsAt: iso(b.starts_at),
      createdAt: iso(b.created_at),
      updatedAt: iso(b.updated_at),
    }));
    yield `,"bookings":${JSON.stringify(bookings)}`;
    yield* this.pages(
      'messages',
      '0',
      (after) => store.messagesAfter(userId, after, PAGE),
      (row) => row.seq,
      (row) => ({
        id: row.event_id,
        bookingId: row.booking_id,
        kind: row.kind,
        ...(row.content.text !== undefined && { text: row.content.text }),
        ...(row.content.image && {
          image: {
            mxc: row.content.image.mxc,
            thumbnailMxc: row.content.image.thumbnailMxc ?? null,
            mimetype: row.content.image.mimetype,
            width: row.content.image.width,
            height: row.content.image.height,
            size: row.content.image.size,
          },
        }),
        clientId: row.client_id,
        createdAt: iso(row.created_at),
      }),
    );
    yield* this.pages(
      'edits',
      '0',
      (after) => store.editsAfter(userId, after, PAGE),
      (row) => row.seq,
      (row) => ({
        id: row.edit_event_id,
        messageId: row.target_event_id,
        bookingId: row.booking_id,
        text: row.text,
        createdAt: iso(row.created_at),
      }),
    );
    yield* this.pages(
      'reactions',
      '',
      (after) => store.reactionsAfter(userId, after, PAGE),
      (row) => row.reaction_event_id,
      (row) => ({
        id: row.reaction_event_id,
        messageId: row.target_event_id,
        bookingId: row.booking_id,
        key: row.key,
        createdAt: iso(row.created_at),
        removedAt: iso(row.removed_at),
      }),
    );
    const blocks = (await store.blocksMade(userId)).map((b) => ({ userId: b.blocked_id, createdAt: iso(b.created_at) }));
    yield `,"blocks":${JSON.stringify(blocks)}`;
    const devices = (await store.devices(userId)).map((d) => ({
      id: d.id,
      kind: d.kind,
      createdAt: iso(d.created_at),
      updatedAt: iso(d.updated_at),
    }));
    yield `,"pushDevices":${JSON.stringify(devices)}`;
    const mutes = (await store.mutes(userId)).map((m) => ({ bookingId: m.booking_id, until: iso(m.until) }));
    yield `,"mutedChats":${JSON.stringify(mutes)}`;
    const markers = (await store.readMarkers(userId)).map((r) => ({
      bookingId: r.booking_id,
      lastReadCursor: String(r.last_read_seq),
      updatedAt: iso(r.updated_at),
    }));
    yield `,"readMarkers":${JSON.stringify(markers)}`;
    const reports = (await store.reportsMade(userId)).map((r) => ({
      id: String(r.id),
      bookingId: r.booking_id,
      messageId: r.event_id,
      reason: r.reason,
      createdAt: iso(r.created_at),
    }));
    yield `,"reports":${JSON.stringify(reports)}}\n`;
  }

  /** `,"name":[…]`, one page of rows per chunk, from the cursor `start` (before the first row). */
  private async *pages<Row>(
    name: string,
    start: string,
    page: (after: string) => Promise<Row[]>,
    cursorOf: (row: Row) => string,
    toJson: (row: Row) => unknown,
  ): AsyncGenerator<string> {
    yield `,${JSON.stringify(name)}:[`;
    let after = start;
    let first = true;
    for (;;) {
      const rows = await page(after);
      if (rows.length === 0) break;
      yield rows.map((row, i) => (first && i === 0 ? '' : ',') + JSON.stringify(toJson(row))).join('');
      first = false;
      after = cursorOf(rows.at(-1)!);
      if (rows.length < PAGE) break;
    }
    yield ']';
  }
}
