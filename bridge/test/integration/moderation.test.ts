// Reports reach support staff in Element; staff open the booking's room, reply as Support and
// redact; blocked users stop reaching the blocker. Moderation is audited.
import { randomUUID } from 'node:crypto';
import type { MatrixEvent } from 'matrix-js-sdk';
import { describe, expect, it } from 'vitest';
import { expectOk } from '../support/app-client.ts';
import { useHarness } from '../support/harness.ts';
import { inject } from 'vitest';
import type { Message } from '../../src/protocol/types.ts';
import { newBooking } from '../support/booking-system.ts';

const harness = useHarness({
  staff: true,
  bridge: async (staff) => ({ env: { SUPPORT_STAFF: staff!.userId } }),
});

/** The room of that name the agent is in or invited to, joined as they would in Element. */
async function roomNamed(name: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const room = harness.staff.client.getRooms().find((r) => r.name === name && ['join', 'invite'].includes(r.getMyMembership()));
    if (room?.getMyMembership() === 'invite') await harness.staff.client.joinRoom(room.roomId);
    if (room) return room.roomId;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`staff never got into ${name}`);
}

describe('reports', () => {
  it('reach the moderation room; staff open the booking, reply as Support and redact', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const offlinePhone = await harness.app(customer.id);
    const { cursor: before } = expectOk(await offlinePhone.request('sync'));
    offlinePhone.close();

    await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hello, what time?' });
    const { message: rude } = expectOk(
      await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'you are awful' }),
    );
    await customerApp.waitForMessage((m) => m.id === rude.id);

    const ack = expectOk(await customerApp.request('message:report', { messageId: rude.id, reason: 'abusive' }));
    expect(ack).toMatchObject({ ok: true, reportId: expect.stringMatching(/^\d+$/) });

    const moderationRoom = await roomNamed('booking-chat moderation');
    const notice = await harness.staff.waitForEvent(moderationRoom, (e: MatrixEvent) =>
      String(e.getContent().body).startsWith(`Report #${ack.reportId}`),
    );
    expect(notice.getContent().body).toContain('abusive');
    expect(notice.getContent().body).toContain('you are awful');
    expect(notice.getContent().body).toContain(roomId);

    // The bot invited staff into the booking's room (before posting the report) with the power to redact.
    await harness.staff.client.joinRoom(roomId);
    const { event_id: reply } = await harness.staff.client.sendTextMessage(roomId, 'Support here: please keep it polite.');
    expect(await customerApp.waitForMessage((m) => m.id === reply)).toMatchObject({ sender: { role: 'support', name: 'Support' } });

    const deletedForCustomer = new Promise((resolve) => customerApp.socket.on('message:deleted', resolve));
    const deletedForArtist = new Promise((resolve) => artistApp.socket.on('message:deleted', resolve));
    await harness.staff.client.redactEvent(roomId, rude.id);
    expect(await deletedForCustomer).toEqual({ bookingId, messageId: rude.id });
    expect(await deletedForArtist).toEqual({ bookingId, messageId: rude.id });

    const history = expectOk(await customerApp.request('chat:history', { bookingId }));
    expect(history.messages.map((m) => m.id)).not.toContain(rude.id);
    const back = await harness.app(customer.id);
    const caughtUp = expectOk(await back.request('sync', { since: before }));
    expect(caughtUp.messages.map((m) => m.id)).not.toContain(rude.id);
    expect(caughtUp.deleted).toEqual([{ bookingId, messageId: rude.id }]);

    const audit = await harness.bridge.app
      .db('audit_log')
      .whereIn('action', ['report.create', 'message.redact'])
      .andWhere({ booking_id: bookingId });
    expect(audit.map((a: { action: string }) => a.action).sort()).toEqual(['message.redact', 'report.create']);
    const [stored] = await harness.bridge.app.db('reports').where({ id: ack.reportId });
    expect(stored).toMatchObject({ reporter_id: customer.id, event_id: rude.id, reason: 'abusive' });
    expect(stored.context.around.map((m: Message) => m.text)).toContain('hello, what time?');
  });

  it.each([
    ['an unknown message', { messageId: '$unknown', reason: 'spam' }, 'not_found'],
    ['no reason', { messageId: '$unknown' }, 'invalid'],
    ['a reason of 501 characters', { messageId: '$unknown', reason: 'x'.repeat(501) }, 'invalid'],
  ])('refuse %s', async (_label, payload, code) => {
    const me = await harness.app('reporter-x');
    expect(await me.requestRaw('message:report', payload)).toMatchObject({ ok: false, error: { code } });
  });

  it("refuse reporting a message of someone else's booking", async () => {
    const theirs = await newBooking(harness.bridge.url);
    const author = await harness.app(theirs.customer.id);
    const { message } = expectOk(
      await author.request('message:send', { bookingId: theirs.bookingId, clientId: randomUUID(), text: 'mine' }),
    );
    const stranger = await harness.app('stranger-report');
    expect(await stranger.request('message:report', { messageId: message.id, reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });
});

describe('blocking', () => {
  it("stops the blocked user's messages, typing and receipts from reaching the blocker, across devices and in Matrix", async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const { message: earlier } = expectOk(
      await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'before the block' }),
    );
    await customerApp.waitForMessage((m) => m.id === earlier.id);
    const chatOf = async (app: typeof customerApp) =>
      expectOk(await app.request('chats:list')).chats.find((c) => c.bookingId === bookingId)!;
    const unblocked = await chatOf(customerApp);
    expect(unblocked.lastMessage?.id).toBe(earlier.id);

    expect(await customerApp.request('user:block', { userId: artist.id })).toEqual({ ok: true });
    const blocked = await chatOf(customerApp);
    expect(blocked.lastMessage?.id).not.toBe(earlier.id);
    expect(blocked.unreadCount).toBe(unblocked.unreadCount - 1);
    const otherDevice = await harness.app(customer.id);
    expect(await otherDevice.request('blocks:list')).toEqual({ ok: true, userIds: [artist.id] });

    const refused = await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'are you there?' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'blocked' } });

    const history = expectOk(await otherDevice.request('chat:history', { bookingId }));
    expect(history.messages.map((m) => m.id)).not.toContain(earlier.id);

    const typing: { userId: string }[] = [];
    const receipts: { userId: string }[] = [];
    customerApp.socket.on('typing', (event: { userId: string }) => typing.push(event));
    customerApp.socket.on('receipt', (event: { userId: string }) => receipts.push(event));
    const { message: mine } = expectOk(
      await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'still writing to support' }),
    );
    // The artist's receipt is told (or not) before the ack; their typing comes back from Synapse.
    await artistApp.request('message:read', { bookingId, messageId: mine.id });
    await artistApp.request('typing', { bookingId, typing: true });
    // The barrier: Support's typing takes the artist's road (Synapse's typing set for the room)
    // after it, and must reach the customer; by then the artist's typing would have too.
    await harness.staffJoins(roomId);
    await harness.staff.client.sendTyping(roomId, true, 10_000);
    await expect.poll(() => typing.map((event) => event.userId), { timeout: 15_000 }).toContain('support');
    expect(typing.filter((event) => event.userId === artist.id)).toEqual([]);
    expect(receipts.filter((event) => event.userId === artist.id)).toEqual([]);

    const { as_token } = inject('registration') as { as_token: string };
    const customerMatrixId = harness.bridge.app.homeserver.ids.appUser(customer.id);
    const accountData = await fetch(
      `${inject('synapseUrl')}/_matrix/client/v3/user/${encodeURIComponent(customerMatrixId)}/account_data/m.ignored_user_list?user_id=${encodeURIComponent(customerMatrixId)}`,
      { headers: { authorization: `Bearer ${as_token}` } },
    );
    expect(await accountData.json()).toEqual({ ignored_users: { [harness.bridge.app.homeserver.ids.appUser(artist.id)]: {} } });

    expect(await otherDevice.request('user:unblock', { userId: artist.id })).toEqual({ ok: true });
    const after = expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'thanks for unblocking' }));
    expect(after.ok).toBe(true);
    expect(await customerApp.waitForMessage((m) => m.id === after.message.id)).toBeTruthy();

    const audit = await harness.bridge.app.db('audit_log').where({ actor: customer.id }).orderBy('id');
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['user.block', 'user.unblock']);
  });

  it("keeps a blocked user's message that reaches Matrix anyway (not through the apps) from the blocker, and only from them", async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    expectOk(await customerApp.request('user:block', { userId: artist.id }));
    // Written as the artist's Matrix user straight into the room, as a message recovered from Synapse would come.
    const direct = await harness.bridge.app.homeserver.intentFor(artist.id).sendText(roomId, 'written past the apps');
    await artistApp.waitForMessage((m) => m.id === direct.event_id);
    // The barrier: a later message that must reach the customer; the artist's would have come before it.
    await harness.staffJoins(roomId);
    const { event_id: later } = await harness.staff.client.sendTextMessage(roomId, 'Support: all good here?');
    await customerApp.waitForMessage((m) => m.id === later);
    expect(customerApp.received.map((m) => m.id)).not.toContain(direct.event_id);
    expect(expectOk(await customerApp.request('chat:history', { bookingId })).messages.map((m) => m.id)).not.toContain(direct.event_id);
  });

  it('refuses blocking oneself, the booking system, support, a stranger or a malformed user id', async () => {
    const me = await harness.app('self-blocker');
    expect(await me.request('user:block', { userId: 'self-blocker' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    for (const userId of ['system', 'support', 'never-shared-a-booking']) {
      expect(await me.request('user:block', { userId })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    expect(await me.request('user:block', { userId: 'has space' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await me.requestRaw('user:block', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});
