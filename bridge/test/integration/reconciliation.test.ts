// Events Synapse has but the bridge never stored (Synapse crashed between persisting them and
// sending the transaction; the read model restored from an older backup) come back when the
// bridge starts or the homeserver returns: live and by sync, once each, and what moderation
// deleted stays deleted. Simulated by deleting rows from the read model behind the bridge's back.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/protocol/types.ts';
import { RECONCILIATION_LOCK } from '../../src/store/reconciliation-store.ts';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { spawnBridge } from '../support/bridge-process.ts';
import { useHarness } from '../support/harness.ts';
import { metricValue } from '../support/metrics.ts';
import { testPort } from '../support/services.ts';

const harness = useHarness({ staff: true });

type SyncPage = { messages: Message[]; deleted: { bookingId: string; messageId: string }[]; cursor: string; more: boolean };

async function syncAll(app: AppClient, since: string): Promise<SyncPage> {
  const all: SyncPage = { messages: [], deleted: [], cursor: since, more: false };
  for (;;) {
    const page = expectOk(await app.request('sync', { since: all.cursor }));
    all.messages.push(...page.messages);
    all.deleted.push(...page.deleted);
    all.cursor = page.cursor;
    if (!page.more) return all;
  }
}

/** A chat written to by both apps and by staff in Element, with one app message redacted by staff. */
async function writtenChat() {
  const booking = await newBooking(harness.bridge.url);
  const customerApp = await harness.app(booking.customer.id);
  const artistApp = await harness.app(booking.artist.id, 'artist');
  const { cursor: start } = expectOk(await artistApp.request('sync'));
  await harness.staffJoins(booking.roomId);
  // As when staff are brought in by a report: they may redact.
  await harness.bridge.app.homeserver.bot.setPowerLevel(booking.roomId, harness.staff.userId, 50);
  const written: string[] = [];
  for (const [app, text] of [
    [customerApp, 'hello'],
    [artistApp, 'hi, see you at 10'],
    [customerApp, 'call me on 555 0100'],
  ] as const) {
    const ack = expectOk(await app.request('message:send', { bookingId: booking.bookingId, clientId: randomUUID(), text }));
    written.push(ack.message.id);
  }
  for (const text of ['Support here', 'please keep contact details in the chat']) {
    const { event_id } = await harness.staff.client.sendTextMessage(booking.roomId, text);
    written.push(event_id);
  }
  for (const id of written) await artistApp.waitForMessage((m) => m.id === id);
  const redacted = written[2]!;
  const deleted = new Promise((resolve) => artistApp.socket.once('message:deleted', resolve));
  await harness.staff.client.redactEvent(booking.roomId, redacted);
  await deleted;
  return { ...booking, customerApp, artistApp, start, kept: written.filter((id) => id !== redacted), redacted };
}

function passes(outcome: string): Promise<number> {
  return metricValue(harness.bridge.metricsUrl, `bookingchat_reconciliation_passes_total{outcome="${outcome}"}`);
}

/** "Synapse has them, the bridge never stored them": the rows go, no tombstone is written. */
async function loseReadModelRows(bookingId: string): Promise<void> {
  await harness.bridge.app.db('messages').where({ booking_id: bookingId }).delete();
}

describe('reconciliation with the homeserver', () => {
  // The bridge runs a pass 10 s after its first stored transaction (transactions flowing again):
  // had, then, so that none comes in the middle of a test that lost rows on purpose.
  beforeAll(async () => {
    const { bookingId, customer } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'first' }));
    await vi.waitFor(async () => expect(await passes('completed')).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 500 });
  });

  it('when the homeserver comes back, brings back what the read model missed: live and by sync, once each', async () => {
    const chat = await writtenChat();
    await loseReadModelRows(chat.bookingId);
    expect((await syncAll(chat.artistApp, chat.start)).messages).toEqual([]);
    const liveBefore = chat.artistApp.received.length;

    await harness.bridge.app.homeserverRecovered();

    for (const id of chat.kept) await chat.artistApp.waitForMessage((m) => m.id === id && chat.artistApp.received.indexOf(m) >= liveBefore);
    const synced = await syncAll(chat.artistApp, chat.start);
    expect(synced.messages.map((m) => m.id).sort()).toEqual([...chat.kept].sort());
    expect(synced.messages.map((m) => m.text)).not.toContain('call me on 555 0100');
    expect(synced.deleted).toEqual([{ bookingId: chat.bookingId, messageId: chat.redacted }]);
    // What apps sent keeps its clientId; staff keep appearing as Support.
    expect(synced.messages.filter((m) => m.clientId).map((m) => m.id)).toEqual(chat.kept.slice(0, 2));
    expect(synced.messages.filter((m) => m.sender.role === 'support')).toHaveLength(2);

    // A second pass finds nothing to add: a message sent after it is the next and only new one.
    await harness.bridge.app.homeserverRecovered();
    const { message: after } = expectOk(
      await chat.customerApp.request('message:send', {
        bookingId: chat.bookingId,
        clientId: randomUUID(),
        text: 'after the second pass',
      }),
    );
    await chat.artistApp.waitForMessage((m) => m.id === after.id);
    const live = chat.artistApp.received.slice(liveBefore).map((m) => m.id);
    expect(live.sort()).toEqual([...chat.kept, after.id].sort());
    const again = await syncAll(chat.artistApp, chat.start);
    expect(again.messages.map((m) => m.id).sort()).toEqual([...chat.kept, after.id].sort());
  });

  it('brings back lost edits and reactions, and nothing of a user being erased', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const { message } = expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'at 10' }));
    expectOk(await customerApp.request('message:edit', { bookingId, messageId: message.id, text: 'at 11' }));
    expectOk(await artistApp.request('message:react', { bookingId, messageId: message.id, key: '👍' }));
    const { db } = harness.bridge.app;
    const lose = () =>
      Promise.all([
        db('message_edits').where({ target_event_id: message.id }).delete(),
        db('message_reactions').where({ target_event_id: message.id }).delete(),
      ]);
    await lose();

    const edited = new Promise((resolve) => artistApp.socket.once('message:edited', resolve));
    const reacted = new Promise((resolve) => customerApp.socket.once('reaction', resolve));
    await harness.bridge.app.homeserverRecovered();
    expect(await edited).toMatchObject({ id: message.id, text: 'at 11' });
    expect(await reacted).toMatchObject({ messageId: message.id, userId: artist.id, key: '👍', on: true });
    expect(await db('message_reactions').where({ target_event_id: message.id }).count('* as n').first()).toEqual({ n: '1' });

    // An erasure removes the rows before the bot's redactions reach Synapse: meanwhile a pass
    // must not bring the erased user's reaction back from Synapse's still intact event.
    await db('erasures').insert({ user_id: artist.id, matrix_user_id: harness.bridge.app.homeserver.ids.appUser(artist.id) });
    await db('message_reactions').where({ target_event_id: message.id }).delete();
    await harness.bridge.app.homeserverRecovered();
    expect(await db('message_reactions').where({ target_event_id: message.id }).count('* as n').first()).toEqual({ n: '0' });
    expect(await db('message_edits').where({ target_event_id: message.id }).count('* as n').first()).toEqual({ n: '1' });
  });

  it('one process at a time: while another holds the pass, this one skips it', async () => {
    const chat = await writtenChat();
    await loseReadModelRows(chat.bookingId);
    const other = new pg.Client({ connectionString: harness.bridge.databaseUrl });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RECONCILIATION_LOCK]);
      await harness.bridge.app.homeserverRecovered();
      expect(await passes('skipped')).toBe(1);
      expect((await syncAll(chat.artistApp, chat.start)).messages).toEqual([]);
      await other.query('SELECT pg_advisory_unlock($1)', [RECONCILIATION_LOCK]);
    } finally {
      await other.end();
    }
    await harness.bridge.app.homeserverRecovered();
    expect((await syncAll(chat.artistApp, chat.start)).messages.map((m) => m.id).sort()).toEqual([...chat.kept].sort());
  });

  it('a bridge process starting on a read model that missed messages brings them back', async () => {
    const chat = await writtenChat();
    await loseReadModelRows(chat.bookingId);

    const restarted = await spawnBridge({
      port: testPort(19_001),
      appservicePort: testPort(19_011),
      env: { DATABASE_URL: harness.bridge.databaseUrl },
    });
    try {
      await expect
        .poll(() => restarted.output(), { timeout: 30_000 })
        .toMatch(/"reason":"start-up","rooms":\d+,"messages":[1-9]\d*.*"msg":"reconciliation pass"/);
      const artistThere = await connectApp(restarted.url, chat.artist.id, { role: 'artist' });
      try {
        const synced = await syncAll(artistThere, chat.start);
        expect(synced.messages.map((m) => m.id).sort()).toEqual([...chat.kept].sort());
        expect(synced.deleted).toEqual([{ bookingId: chat.bookingId, messageId: chat.redacted }]);
      } finally {
        artistThere.close();
      }
    } finally {
      await restarted.stop();
    }
  });
});
