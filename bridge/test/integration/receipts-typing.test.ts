// Read receipts and typing indicators, both ways between the apps and Element.
import { randomUUID } from 'node:crypto';
import { RoomMemberEvent, type RoomMember } from 'matrix-js-sdk';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import type { Message } from '../../src/protocol/types.ts';
import type { AppClient } from '../support/app-client.ts';
import { expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';

const harness = useHarness({ staff: true });

function next<T>(client: AppClient, event: 'receipt' | 'typing', predicate: (payload: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 15 s`)), 15_000);
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      client.socket.off(event, listener as never);
      resolve(payload);
    };
    client.socket.on(event, listener as never);
  });
}

async function setUp() {
  const booking = await newBooking(harness.bridge.url);
  await harness.staffJoins(booking.roomId);
  return { ...booking, customerApp: await harness.app(booking.customer.id), artistApp: await harness.app(booking.artist.id, 'artist') };
}

describe('read receipts', () => {
  it('message:read tells the sender, drops the unread count, and shows in Element', async () => {
    const { bookingId, roomId, artist, customerApp, artistApp } = await setUp();
    const sent: Message[] = [];
    for (const text of ['one', 'two', 'three']) {
      sent.push(expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text })).message);
    }
    const unread = async () => expectOk(await artistApp.request('chats:list')).chats.find((c) => c.bookingId === bookingId)!.unreadCount;
    expect(await unread()).toBe(3);

    const receipt = next(customerApp, 'receipt', (r: any) => r.bookingId === bookingId);
    expect(await artistApp.request('message:read', { bookingId, messageId: sent[1]!.id })).toEqual({ ok: true });
    expect(await receipt).toEqual({ bookingId, userId: artist.id, messageId: sent[1]!.id });
    expect(await unread()).toBe(1);

    // Reading an older message never moves the marker back.
    await artistApp.request('message:read', { bookingId, messageId: sent[0]!.id });
    expect(await unread()).toBe(1);

    const artistMatrixId = harness.bridge.app.homeserver.ids.appUser(artist.id);
    await expect.poll(() => harness.staff.client.getRoom(roomId)?.getEventReadUpTo(artistMatrixId), { timeout: 15_000 }).toBe(sent[1]!.id);
  });

  it('from support staff in Element reach the apps', async () => {
    const { bookingId, roomId, customerApp } = await setUp();
    const { message } = expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'anyone?' }));
    const event = await harness.staff.waitForEvent(roomId, (e) => e.getId() === message.id);
    const receipt = next(customerApp, 'receipt', (r: any) => r.bookingId === bookingId && r.userId === 'support');
    await harness.staff.client.sendReadReceipt(event);
    expect(await receipt).toEqual({ bookingId, userId: 'support', messageId: message.id });
  });

  it.each([
    ['an unknown message', (b: string) => ({ bookingId: b, messageId: '$nope' }), 'not_found'],
    ['a malformed message id', (b: string) => ({ bookingId: b, messageId: 'nope' }), 'invalid'],
    ["someone else's booking", () => ({ bookingId: 'no-such-booking', messageId: '$x' }), 'not_found'],
  ])('refuse %s', async (_label, payload, code) => {
    const { bookingId, customerApp } = await setUp();
    expect(await customerApp.request('message:read', payload(bookingId))).toMatchObject({ ok: false, error: { code } });
  });
});

describe('typing indicators', () => {
  it('go from one app to the other and to Element', async () => {
    const { bookingId, roomId, customer, customerApp, artistApp } = await setUp();
    const customerMatrixId = harness.bridge.app.homeserver.ids.appUser(customer.id);
    const staffSees = new Promise<void>((resolve) => {
      const onTyping = (_event: unknown, member: RoomMember) => {
        if (member.roomId === roomId && member.userId === customerMatrixId && member.typing) {
          harness.staff.client.off(RoomMemberEvent.Typing, onTyping);
          resolve();
        }
      };
      harness.staff.client.on(RoomMemberEvent.Typing, onTyping);
    });
    const started = next(artistApp, 'typing', (t: any) => t.bookingId === bookingId && t.typing);
    expect(await customerApp.request('typing', { bookingId, typing: true })).toEqual({ ok: true });
    expect(await started).toEqual({ bookingId, userId: customer.id, typing: true });
    await staffSees;

    const stopped = next(artistApp, 'typing', (t: any) => t.bookingId === bookingId && !t.typing);
    await customerApp.request('typing', { bookingId, typing: false });
    expect(await stopped).toEqual({ bookingId, userId: customer.id, typing: false });
  });

  it('from support staff in Element reach the apps as Support', async () => {
    const { bookingId, roomId, customerApp } = await setUp();
    const typing = next(customerApp, 'typing', (t: any) => t.bookingId === bookingId && t.userId === 'support');
    await harness.staff.client.sendTyping(roomId, true, 10_000);
    expect(await typing).toEqual({ bookingId, userId: 'support', typing: true });
  });

  it('are refused outside one’s own bookings', async () => {
    const { customerApp } = await setUp();
    const other = await newBooking(harness.bridge.url);
    expect(await customerApp.request('typing', { bookingId: other.bookingId, typing: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await customerApp.requestRaw('typing', { bookingId: other.bookingId, typing: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
  });
});
