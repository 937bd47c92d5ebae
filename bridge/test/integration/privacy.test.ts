// Export and erasure (issue #15): the booking system can take out everything the bridge holds
// about a user, streamed, however many messages; and erase them: the other member sees their
// messages deleted (live and in sync), staff in Element see the redactions, their media stops
// working, and nothing of theirs is left, while the other member's messages stay.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { MatrixEvent } from 'matrix-js-sdk';
import { describe, expect, it } from 'vitest';
import { expectOk } from '../support/app-client.ts';
import { startBridge, TEST_SERVICE_TOKEN } from '../support/bridge.ts';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { noiseJpeg } from '../support/images.ts';
import { ERASURE_LEASE_MS, ErasureStore } from '../../src/store/erasure-store.ts';
import { uploadImage } from '../support/media-client.ts';

const harness = useHarness({ staff: true });

const userUrl = (userId: string) => `${harness.bridge.url}/api/v1/users/${encodeURIComponent(userId)}`;
const erase = (userId: string, token?: string) => jsonRequest('DELETE', userUrl(userId), '', { token });

/** A user with `count` messages in one booking, written straight into the read model (as transactions would have). */
async function seedHeavyUser(count: number) {
  const db = harness.bridge.app.db;
  const userId = uniqueId('heavy');
  const peer = uniqueId('peer');
  const bookingId = uniqueId('bk');
  await db('app_users').insert([
    { user_id: userId, matrix_user_id: `@app_${userId}:x`, name: 'Heavy Writer' },
    { user_id: peer, matrix_user_id: `@app_${peer}:x`, name: 'Peer' },
  ]);
  await db('bookings').insert({ booking_id: bookingId, room_id: `!${bookingId}:x`, customer_id: userId, artist_id: peer, title: 'Hair' });
  await db.raw(
    `INSERT INTO messages (event_id, booking_id, room_id, sender_mxid, sender_id, sender_role, sender_name, kind, content, created_at)
     SELECT '$seed' || i || ?, ?, ?, ?, ?, 'customer', 'Heavy Writer', 'text',
            jsonb_build_object('text', 'message number ' || i || ' with "quotes", \\ and ünïcödé'), now() - (? - i) * interval '1 second'
       FROM generate_series(1, ?) AS i`,
    [bookingId, bookingId, `!${bookingId}:x`, `@app_${userId}:x`, userId, count, count],
  );
  await db('message_edits').insert({
    edit_event_id: `$edit-${bookingId}`,
    target_event_id: `$seed1${bookingId}`,
    booking_id: bookingId,
    sender_id: userId,
    text: 'edited',
    created_at: new Date(),
  });
  await db('message_reactions').insert({
    reaction_event_id: `$react-${bookingId}`,
    target_event_id: `$seed2${bookingId}`,
    booking_id: bookingId,
    user_id: userId,
    key: '👍',
    created_at: new Date(),
  });
  await db('blocks').insert({ blocker_id: userId, blocked_id: peer });
  await db('devices').insert({ id: randomUUID(), user_id: userId, kind: 'fcm', address: `secret-fcm-token-${userId}` });
  await db('reports').insert({ reporter_id: userId, booking_id: bookingId, event_id: '$other', reason: 'spam', context: '{}' });
  return { userId, bookingId };
}

/** Streams the export to a file, sampling the heap (after a collection) as it goes; returns the peak growth. */
async function streamExport(userId: string, file: string): Promise<{ bytes: number; heapGrowth: number; status: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let bytes = 0;
  let sampled = 0;
  const out = createWriteStream(file);
  const status = await new Promise<number>((resolve, reject) => {
    get(`${userUrl(userId)}/export`, { headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` } }, (response) => {
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        out.write(chunk);
        if (bytes - sampled > 2_000_000) {
          sampled = bytes;
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      });
      response.on('end', () => out.end(() => resolve(response.statusCode ?? 0)));
      response.on('error', reject);
    }).on('error', reject);
  });
  return { bytes, heapGrowth: peak - baseline, status };
}

describe('export', () => {
  it('streams everything held about a user with 100,000 messages, with bounded memory', { timeout: 180_000 }, async () => {
    const { userId, bookingId } = await seedHeavyUser(100_000);
    const dir = await mkdtemp(join(tmpdir(), 'export-'));
    try {
      const { bytes, heapGrowth, status } = await streamExport(userId, join(dir, 'export.json'));
      expect(status).toBe(200);
      const text = await readFile(join(dir, 'export.json'), 'utf8');
      const document = JSON.parse(text);
      expect(document.messages).toHaveLength(100_000);
      expect(document.messages[0]).toMatchObject({ id: `$seed1${bookingId}`, bookingId, kind: 'text' });
      expect(document.messages[99_999].text).toBe('message number 100000 with "quotes", \\ and ünïcödé');
      expect(document.profile).toMatchObject({ name: 'Heavy Writer' });
      expect(document.bookings).toEqual([expect.objectContaining({ bookingId, role: 'customer', title: 'Hair' })]);
      expect(document.edits).toEqual([expect.objectContaining({ messageId: `$seed1${bookingId}`, text: 'edited' })]);
      expect(document.reactions).toEqual([expect.objectContaining({ messageId: `$seed2${bookingId}`, key: '👍' })]);
      expect(document.blocks).toHaveLength(1);
      expect(document.pushDevices).toEqual([expect.objectContaining({ kind: 'fcm' })]);
      expect(text).not.toContain('secret-fcm-token');
      expect(document.reports).toEqual([expect.objectContaining({ reason: 'spam', messageId: '$other' })]);
      // The whole document never sits in the server's memory: the heap grows by a fraction of it.
      console.info(`export of 100,000 messages: ${(bytes / 1e6).toFixed(1)} MB, peak heap growth ${(heapGrowth / 1e6).toFixed(1)} MB`);
      expect(heapGrowth).toBeLessThan(bytes / 2);
      const audit = await harness.bridge.app.db('audit_log').where({ action: 'user.export', target: userId });
      expect(audit).toHaveLength(1);

      // Erasing them is one request of bounded batches, not hours: measured, not asserted.
      const started = performance.now();
      const erased = await erase(userId);
      const took = performance.now() - started;
      // Their rooms are made up: the redactions could never go through, so the queue is emptied here;
      // and nobody is connected to hear the 100,000 live deletions, which the drainers would emit
      // for a minute or more ahead of the next test's.
      await harness.bridge.app.db('erasure_redactions').where({ user_id: userId }).delete();
      await harness.bridge.app.db('message_outbox').where({ kind: 'deletion', booking_id: bookingId }).delete();
      expect(erased.body.removed).toMatchObject({ messages: 100_000, edits: 1, reactions: 1, devices: 1, blocksMade: 1 });
      console.info(`erasure of 100,000 messages: ${Math.round(took)} ms`);
      expect(await harness.bridge.app.db('message_deletions').where({ booking_id: bookingId }).count()).toEqual([{ count: '100000' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops reading when the reader goes away, and serves the next export', { timeout: 60_000 }, async () => {
    const { userId } = await seedHeavyUser(20_000);
    await new Promise<void>((resolve, reject) => {
      const request = get(`${userUrl(userId)}/export`, { headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` } }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', () => undefined);
      request.setTimeout(30_000, () => reject(new Error('no first chunk')));
    });
    const dir = await mkdtemp(join(tmpdir(), 'export-'));
    try {
      const { status } = await streamExport(userId, join(dir, 'again.json'));
      expect(status).toBe(200);
      expect(JSON.parse(await readFile(join(dir, 'again.json'), 'utf8')).messages).toHaveLength(20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('erasure', () => {
  it('holds a new erasure’s account step for the request that made it: the background worker cannot take it meanwhile', async () => {
    // Both at once would deactivate the account twice, and Synapse fails the second with a 500.
    const store = new ErasureStore(harness.bridge.app.db);
    const userId = uniqueId('Cust');
    const { row, first } = await store.record(userId, harness.bridge.app.homeserver.ids.appUser(userId));
    expect(first).toBe(true);
    expect(row.account_not_before.getTime() - row.requested_at.getTime()).toBe(ERASURE_LEASE_MS);
    expect(await store.claimAccount(ERASURE_LEASE_MS, userId)).toBeUndefined();
  });

  it("deletes the user's messages for the other member and in Element, their media, and the rest; again is a no-op", async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    await harness.staffJoins(roomId);
    const { cursor: before } = expectOk(await artistApp.request('sync'));

    const texts = [];
    for (const text of ['hi, it is Ann', 'my address is 1 Main St', 'see you at 10']) {
      texts.push(expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text })).message);
    }
    const uploaded = await uploadImage(harness.bridge.url, bookingId, customer.id, await noiseJpeg(64, 48));
    expect(uploaded.status).toBe(201);
    const mine = [...texts.map((m) => m.id), uploaded.body.message.id as string];
    const { message: reply } = expectOk(
      await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'great, thanks' }),
    );
    const image = await artistApp.waitForMessage((m) => m.id === mine[3]);
    expect((await fetch(image.image!.url)).status).toBe(200);
    await customerApp.waitForMessage((m) => m.id === reply.id);
    expectOk(await customerApp.request('message:read', { bookingId, messageId: reply.id }));
    expectOk(await customerApp.request('user:block', { userId: artist.id }));
    await harness.bridge.app.db('devices').insert({ id: randomUUID(), user_id: customer.id, kind: 'fcm', address: `token-${customer.id}` });
    for (const id of mine) await harness.staff.waitForEvent(roomId, (e: MatrixEvent) => e.getId() === id);

    const deletedLive = new Set<string>();
    const allDeletedLive = new Promise<void>((resolve) =>
      artistApp.socket.on('message:deleted', ({ messageId }) => {
        deletedLive.add(messageId);
        if (mine.every((id) => deletedLive.has(id))) resolve();
      }),
    );

    const closed = new Promise<string>((resolve) => customerApp.socket.once('disconnect', resolve));
    const first = await erase(customer.id);
    expect(first.status).toBe(200);
    // The erased user's own app is closed by the server.
    expect(await closed).toBe('io server disconnect');
    expect(first.body).toMatchObject({
      userId: customer.id,
      repeated: false,
      removed: { messages: 4, devices: 1, blocksMade: 1, readMarkers: 1, profile: 1 },
      matrixAccount: { state: 'done' },
    });
    expect(first.body.matrixAccount.mediaDeleted).toBeGreaterThanOrEqual(1);

    // The other member: live deletions, then a later sync from before carries them; their own message stays.
    await allDeletedLive;
    const caughtUp = expectOk(await artistApp.request('sync', { since: before }));
    expect(caughtUp.messages.map((m) => m.id)).toEqual([reply.id]);
    expect(caughtUp.deleted.map((d) => d.messageId).sort()).toEqual([...mine].sort());
    const history = expectOk(await artistApp.request('chat:history', { bookingId }));
    expect(history.messages.map((m) => m.id)).toEqual([reply.id]);

    // Staff in Element see each of the user's events redacted (by the bridge's bot, in the background).
    for (const id of mine) {
      await harness.staff.waitForEvent(
        roomId,
        (e: MatrixEvent) => e.getType() === 'm.room.redaction' && (e.event.redacts ?? e.getContent().redacts) === id,
        30_000,
      );
    }
    expect(harness.staff.client.getRoom(roomId)!.findEventById(reply.id)!.isRedacted()).toBe(false);
    await expect
      .poll(() => harness.bridge.app.db('erasure_redactions').where({ user_id: customer.id }).count(), { timeout: 15_000 })
      .toEqual([{ count: '0' }]);

    // The media link stops working, and the media is gone from Synapse itself.
    expect((await fetch(image.image!.url)).status).toBe(404);
    const [, server, mediaId] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxcOf(image.image!.url))!;
    const fromSynapse = await harness.bridge.app.homeserver.fetchMedia(server!, mediaId!, 'image', 64, AbortSignal.timeout(10_000));
    expect(fromSynapse.status).toBe(404);

    // Nothing of theirs is left in the bridge; the other member's data stays.
    const db = harness.bridge.app.db;
    expect(await db('messages').where({ sender_id: customer.id })).toEqual([]);
    expect(await db('messages').where({ sender_id: artist.id })).toHaveLength(1);
    expect(await db('blocks').where({ blocker_id: customer.id })).toEqual([]);
    expect(await db('read_markers').where({ user_id: customer.id })).toEqual([]);
    expect(await db('devices').where({ user_id: customer.id })).toEqual([]);
    expect(await db('sent_messages').where({ sender_id: customer.id })).toEqual([]);
    expect((await db('app_users').where({ user_id: customer.id }).first()).name).toBe('Deleted user');

    // Again: nothing more to remove, the same erasure.
    const second = await erase(customer.id);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      repeated: true,
      erasedAt: first.body.erasedAt,
      removed: { messages: 0, devices: 0, blocksMade: 0, readMarkers: 0, profile: 0 },
      queued: { redactions: 0 },
      matrixAccount: { state: 'done' },
    });
    expect(await db('audit_log').where({ action: 'user.erase', target: customer.id })).toHaveLength(2);

    // The booking system cannot bring the erased user back.
    const again = await putBooking(harness.bridge.url, bookingId, { customer, artist: { id: artist.id, name: 'Bea' } });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'invalid', message: expect.stringContaining('customer') });
    const exported = await fetch(`${userUrl(customer.id)}/export`, { headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` } });
    expect(await exported.json()).toMatchObject({ profile: { name: 'Deleted user' }, messages: [], blocks: [], pushDevices: [] });
  });

  it('answers invalid for hostile user ids and unauthorized without the service token', async () => {
    for (const raw of ['a%20b', '%00', '%ZZ', '%C3%A9', 'x'.repeat(129), '%F0%9F%98%80']) {
      for (const [method, path] of [
        ['DELETE', ''],
        ['GET', '/export'],
      ] as const) {
        const response = await fetch(`${harness.bridge.url}/api/v1/users/${raw}${path}`, {
          method,
          headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
        });
        expect(response.status, `${method} ${raw}`).toBe(400);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid');
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }).filter((s) => !/^[\x21-\x7e]{1,128}$/.test(s)),
        async (userId) => {
          const response = await erase(userId);
          expect(response.status).toBe(400);
          expect(response.body.error.code).toBe('invalid');
        },
      ),
      { numRuns: 60 },
    );
    expect((await erase('someone', 'wrong-token')).status).toBe(401);
    expect((await fetch(`${userUrl('someone')}/export`)).status).toBe(401);
  });

  it('reports the Matrix account step as skipped without a Synapse admin token, and does it once one is configured', async () => {
    const bare = await startBridge({ withoutSynapseAdmin: true, receivesTransactions: false, databaseUrl: harness.bridge.databaseUrl });
    try {
      const userId = uniqueId('nobody');
      const answer = await jsonRequest('DELETE', `${bare.url}/api/v1/users/${userId}`, '');
      expect(answer.body.matrixAccount).toEqual({ state: 'skipped', mediaDeleted: 0 });
      const later = await erase(userId);
      expect(later.body).toMatchObject({ repeated: true, matrixAccount: { state: 'done' } });
    } finally {
      await bare.close();
    }
  });
});

/** The mxc URI behind one of the bridge's signed media URLs (`/api/v1/media/{booking}/{server}/{mediaId}`). */
function mxcOf(url: string): string {
  const [server, mediaId] = new URL(url).pathname.split('/').slice(-2);
  return `mxc://${server}/${mediaId}`;
}
