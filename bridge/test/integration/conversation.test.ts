// Conversations as people expect them (issue #15): edits, deletions, replies and reactions from
// the apps and from Element reach everyone through the one road, history and sync show each
// message as it now is, and an app that was offline ends with the same state as one that was online.
import { randomUUID } from 'node:crypto';
import type { MatrixEvent } from 'matrix-js-sdk';
import { describe, expect, inject, it } from 'vitest';
import type { ServerToClientEvents } from '../../src/protocol/events.ts';
import type { Message } from '../../src/protocol/types.ts';
import { expectFailure, expectOk, type AppClient } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { noiseJpeg } from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';

const harness = useHarness({ staff: true });

/** The first `event` on this socket that matches, from now on. */
function nextEvent<E extends keyof ServerToClientEvents>(
  client: AppClient,
  event: E,
  matches: (...args: Parameters<ServerToClientEvents[E]>) => boolean,
  timeoutMs = 15_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const socket = client.socket as unknown as {
      on(e: string, l: (...a: unknown[]) => void): void;
      off(e: string, l: (...a: unknown[]) => void): void;
    };
    const listener = (...args: unknown[]) => {
      if (!matches(...(args as Parameters<ServerToClientEvents[E]>))) return;
      socket.off(event, listener);
      clearTimeout(timer);
      resolve(args[0] as Parameters<ServerToClientEvents[E]>[0]);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

async function chat() {
  const booking = await newBooking(harness.bridge.url);
  const customerApp = await harness.app(booking.customer.id, 'customer');
  const artistApp = await harness.app(booking.artist.id, 'artist');
  const say = async (client: AppClient, text: string, replyTo?: string) =>
    expectOk(await client.request('message:send', { bookingId: booking.bookingId, clientId: randomUUID(), text, replyTo })).message;
  const history = async (client: AppClient) => expectOk(await client.request('chat:history', { bookingId: booking.bookingId })).messages;
  return { ...booking, customerApp, artistApp, say, history };
}

const byId = (messages: Message[], id: string) => messages.find((m) => m.id === id);

describe('editing a message', () => {
  it('reaches the other app as message:edited, shows in history with editedAt, and in Element as m.replace', async () => {
    const { bookingId, roomId, customerApp, artistApp, say, history } = await chat();
    await harness.staffJoins(roomId);
    const original = await say(customerApp, 'see you at 10');
    const edited = nextEvent(artistApp, 'message:edited', (m) => m.id === original.id);

    const ack = expectOk(await customerApp.request('message:edit', { bookingId, messageId: original.id, text: 'see you at 11' }));
    expect(ack.message).toMatchObject({ id: original.id, cursor: original.cursor, text: 'see you at 11', reactions: [] });
    expect(ack.message.editedAt).toEqual(expect.any(String));
    expect(await edited).toMatchObject({ id: original.id, text: 'see you at 11', editedAt: ack.message.editedAt });
    expect(byId(await history(artistApp), original.id)).toMatchObject({ text: 'see you at 11', editedAt: ack.message.editedAt });
    const { chats } = expectOk(await artistApp.request('chats:list', {}));
    expect(chats.find((chat) => chat.bookingId === bookingId)?.lastMessage).toMatchObject({ id: original.id, text: 'see you at 11' });

    const inElement = await harness.staff.waitForEvent(
      roomId,
      (e: MatrixEvent) => e.getContent()['m.relates_to']?.rel_type === 'm.replace',
    );
    expect(inElement.getContent()).toMatchObject({
      'm.new_content': { msgtype: 'm.text', body: 'see you at 11' },
      'm.relates_to': { event_id: original.id },
    });
    // Element shows the original with its new text.
    const originalInElement = harness.staff.client.getRoom(roomId)!.findEventById(original.id)!;
    expect(originalInElement.replacingEventId()).toBe(inElement.getId());
    expect(originalInElement.getContent().body).toBe('see you at 11');
    // The edit is not a message of its own.
    expect((await history(artistApp)).map((m) => m.id)).toEqual([original.id]);
  });

  it('is refused for messages of others, unknown messages, images, and texts the filter refuses; masked like a send', async () => {
    const { bookingId, customerApp, artistApp, say } = await chat();
    const theirs = await say(artistApp, 'hello');
    const mine = await say(customerApp, 'hi');
    const edit = (messageId: string, text: string) => customerApp.request('message:edit', { bookingId, messageId, text });
    expect(expectFailure(await edit(theirs.id, 'hacked')).error.code).toBe('forbidden');
    expect(expectFailure(await edit('$nope', 'x')).error.code).toBe('not_found');
    expect(expectFailure(await edit(mine.id, 'you are a f.u.c.k.i.n.g idiot')).error).toMatchObject({ code: 'filtered' });
    expect(expectFailure(await edit(mine.id, '   ')).error.code).toBe('invalid');
    const masked = expectOk(await edit(mine.id, 'call me on 07911 123456'));
    expect(masked.message.text).not.toContain('07911');

    const upload = await uploadImage(harness.bridge.url, bookingId, mine.sender.id, await noiseJpeg(64, 48));
    expect(upload.status).toBe(201);
    expect(expectFailure(await edit(upload.body.message.id, 'caption')).error.code).toBe('invalid');
  });
});

describe('a reported message', () => {
  it('keeps its original text and every edit for the moderators', async () => {
    const { bookingId, customerApp, artistApp, say } = await chat();
    const message = await say(customerApp, 'pay me outside the app');
    const edit = (text: string) => customerApp.request('message:edit', { bookingId, messageId: message.id, text });
    expectOk(await edit('pay me in the app'));
    expectOk(await edit('see you soon'));
    const { reportId } = expectOk(await artistApp.request('message:report', { messageId: message.id, reason: 'asked to pay outside' }));
    const report = await harness.bridge.app.db('reports').where({ id: reportId }).first();
    expect(report.context.message.text).toBe('see you soon');
    expect(report.context.versions.map((v: { text: string }) => v.text)).toEqual([
      'pay me outside the app',
      'pay me in the app',
      'see you soon',
    ]);
  });
});

describe('deleting a message', () => {
  it('removes it for everyone, from history, in Element (a redaction), and deletes an image from the media repository', async () => {
    const { bookingId, roomId, customer, customerApp, artistApp, say, history } = await chat();
    await harness.staffJoins(roomId);
    const text = await say(customerApp, 'oops, wrong chat');
    const deleted = nextEvent(artistApp, 'message:deleted', (e) => e.messageId === text.id);
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: text.id }));
    expect(await deleted).toEqual({ bookingId, messageId: text.id });
    expect(byId(await history(artistApp), text.id)).toBeUndefined();
    // The redaction itself, whether it arrived before this wait or after it starts.
    await harness.staff.waitForEvent(roomId, (e) => e.getType() === 'm.room.redaction' && e.getAssociatedId() === text.id);
    expect(harness.staff.client.getRoom(roomId)!.findEventById(text.id)?.isRedacted()).toBe(true);
    // Again: nothing left to do, still fine.
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: text.id }));

    const upload = await uploadImage(harness.bridge.url, bookingId, customer.id, await noiseJpeg(64, 48));
    expect(upload.status).toBe(201);
    const image: Message = upload.body.message;
    const mxc = (await harness.bridge.app.db('messages').where({ event_id: image.id }).first()).content.image.mxc as string;
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: image.id }));
    const [server, mediaId] = mxc.slice('mxc://'.length).split('/');
    const { as_token } = inject('registration') as { as_token: string };
    const media = await fetch(`${inject('synapseUrl')}/_matrix/client/v1/media/download/${server}/${mediaId}`, {
      headers: { authorization: `Bearer ${as_token}` },
    });
    expect(media.status).toBe(404);
  });

  it("is refused for other people's messages", async () => {
    const { bookingId, customerApp, artistApp, say } = await chat();
    const theirs = await say(artistApp, 'mine, not yours');
    expect(expectFailure(await customerApp.request('message:delete', { bookingId, messageId: theirs.id })).error.code).toBe('forbidden');
  });
});

describe('replying', () => {
  it('carries replyTo with a preview that follows edits and deletions of the original; Element sees m.in_reply_to', async () => {
    const { bookingId, roomId, customer, customerApp, artistApp, say, history } = await chat();
    await harness.staffJoins(roomId);
    const original = await say(customerApp, 'Can you do a bridal trial on Friday?');
    const reply = await say(artistApp, 'Yes, 3pm works', original.id);
    const sender = { id: customer.id, role: 'customer', name: customer.name };
    expect(reply.replyTo).toEqual({ id: original.id, sender, preview: 'Can you do a bridal trial on Friday?' });
    expect((await customerApp.waitForMessage((m) => m.id === reply.id)).replyTo).toEqual(reply.replyTo);
    const inElement = await harness.staff.waitForEvent(roomId, (e) => e.getId() === reply.id);
    expect(inElement.getContent()['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: original.id } });

    expectOk(await customerApp.request('message:edit', { bookingId, messageId: original.id, text: 'A trial on Saturday?' }));
    expect(byId(await history(artistApp), reply.id)!.replyTo).toEqual({ id: original.id, sender, preview: 'A trial on Saturday?' });
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: original.id }));
    expect(byId(await history(artistApp), reply.id)!.replyTo).toEqual({ id: original.id, sender, preview: null });
  });

  it('to a message that is not in this chat is refused', async () => {
    const { bookingId, artistApp } = await chat();
    const other = await chat();
    const elsewhere = await other.say(other.customerApp, 'another booking');
    const refused = await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hi', replyTo: elsewhere.id });
    expect(expectFailure(refused).error.code).toBe('not_found');
  });
});

describe('reactions', () => {
  it('reach the other app, count once per user and key, show whose are mine, and go in Element as m.annotation', async () => {
    const { bookingId, roomId, customerApp, artistApp, say, history } = await chat();
    await harness.staffJoins(roomId);
    const message = await say(artistApp, 'Your look is ready ✨');
    const react = (client: AppClient, key: string) => client.request('message:react', { bookingId, messageId: message.id, key });

    const heard = nextEvent(artistApp, 'reaction', (e) => e.messageId === message.id && e.on);
    expectOk(await react(customerApp, '😍'));
    expect(await heard).toEqual({ bookingId, messageId: message.id, userId: customerApp.userId, key: '😍', on: true });
    expectOk(await react(customerApp, '😍'));
    expectOk(await react(artistApp, '😍'));
    expectOk(await react(artistApp, '👍🏽'));
    expect(byId(await history(customerApp), message.id)!.reactions).toEqual([
      { key: '😍', count: 2, mine: true },
      { key: '👍🏽', count: 1, mine: false },
    ]);
    const inElement = await harness.staff.waitForEvent(roomId, (e) => e.getType() === 'm.reaction');
    expect(inElement.getContent()['m.relates_to']).toEqual({ rel_type: 'm.annotation', event_id: message.id, key: '😍' });

    const gone = nextEvent(artistApp, 'reaction', (e) => e.messageId === message.id && !e.on);
    expectOk(await customerApp.request('message:unreact', { bookingId, messageId: message.id, key: '😍' }));
    expect(await gone).toMatchObject({ userId: customerApp.userId, key: '😍', on: false });
    expect(byId(await history(customerApp), message.id)!.reactions).toEqual([
      { key: '😍', count: 1, mine: false },
      { key: '👍🏽', count: 1, mine: false },
    ]);
    // Given again after being taken back: a new reaction.
    expectOk(await react(customerApp, '😍'));
    expect(byId(await history(customerApp), message.id)!.reactions[0]).toEqual({ key: '😍', count: 2, mine: true });
  });

  it('are at most 20 different keys on one message; a key it carries can still be given', async () => {
    const { bookingId, customerApp, artistApp, say } = await chat();
    const message = await say(customerApp, 'so many feelings');
    const react = (client: AppClient, key: string) => client.request('message:react', { bookingId, messageId: message.id, key });
    const keys = [...'😀😃😄😁😆😅😂🤣😊😇🙂🙃😉😌😍🥰😘😗😙😚'];
    expect(keys).toHaveLength(20);
    for (const key of keys) expectOk(await react(customerApp, key));
    expect(expectFailure(await react(artistApp, '🤯')).error.code).toBe('too_large');
    expectOk(await react(artistApp, '😀'));
    expectOk(await customerApp.request('message:unreact', { bookingId, messageId: message.id, key: '😚' }));
    expectOk(await react(artistApp, '🤯'));
  });

  it('take one emoji as the key', async () => {
    const { bookingId, customerApp, say } = await chat();
    const message = await say(customerApp, 'hi');
    for (const key of ['ab', '👍👍', '', 'x', '<script>']) {
      const refused = await customerApp.request('message:react', { bookingId, messageId: message.id, key });
      expect(expectFailure(refused).error.code, key).toBe('invalid');
    }
    for (const key of ['🇫🇷', '👨‍👩‍👧', '❤️', '1️⃣'])
      expectOk(await customerApp.request('message:react', { bookingId, messageId: message.id, key }));
  });
});

describe('support staff in Element', () => {
  it('edit, reply and react through the same road: an edit is no longer a "* " message', async () => {
    const { roomId, customerApp, say } = await chat();
    await harness.staffJoins(roomId);
    const { event_id: note } = await harness.staff.client.sendTextMessage(roomId, 'Support here');
    await customerApp.waitForMessage((m) => m.id === note);

    const edited = nextEvent(customerApp, 'message:edited', (m) => m.id === note);
    await harness.staff.client.sendEvent(
      roomId,
      'm.room.message' as never,
      {
        msgtype: 'm.text',
        body: '* Support here: how can I help?',
        'm.new_content': { msgtype: 'm.text', body: 'Support here: how can I help?' },
        'm.relates_to': { rel_type: 'm.replace', event_id: note },
      } as never,
    );
    expect(await edited).toMatchObject({ id: note, text: 'Support here: how can I help?', sender: { role: 'support' } });

    const question = await say(customerApp, 'My artist is late');
    const { event_id: answer } = await harness.staff.client.sendEvent(
      roomId,
      'm.room.message' as never,
      {
        msgtype: 'm.text',
        body: `> <@someone:x> My artist is late\n\nI am calling her now`,
        'm.relates_to': { 'm.in_reply_to': { event_id: question.id } },
      } as never,
    );
    const reply = await customerApp.waitForMessage((m) => m.id === answer);
    expect(reply).toMatchObject({ text: 'I am calling her now', replyTo: { id: question.id, preview: 'My artist is late' } });

    const reacted = nextEvent(customerApp, 'reaction', (e) => e.messageId === question.id);
    await harness.staff.client.sendEvent(
      roomId,
      'm.reaction' as never,
      {
        'm.relates_to': { rel_type: 'm.annotation', event_id: question.id, key: '👀' },
      } as never,
    );
    expect(await reacted).toMatchObject({ userId: 'support', key: '👀', on: true });
    // Nothing of these came as a message of its own.
    expect(customerApp.received.filter((m) => m.text?.startsWith('* '))).toEqual([]);
  });
});

describe('sync after a cursor', () => {
  it('returns every change made after it once, so an offline device ends as the online one', async () => {
    const { bookingId, customer, customerApp, artistApp, say, history } = await chat();
    const kept = await say(customerApp, 'first');
    const doomed = await say(customerApp, 'second');
    const untouched = await say(artistApp, 'third');
    const offline = await harness.app(customer.id, 'customer');
    const { cursor: since } = expectOk(await offline.request('sync', {}));
    offline.close();

    expectOk(await customerApp.request('message:edit', { bookingId, messageId: kept.id, text: 'first, edited' }));
    expectOk(await customerApp.request('message:edit', { bookingId, messageId: kept.id, text: 'first, edited twice' }));
    expectOk(await artistApp.request('message:react', { bookingId, messageId: kept.id, key: '👍' }));
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: doomed.id }));
    const newer = await say(artistApp, 'fourth');

    const back = await harness.app(customer.id, 'customer');
    const page = expectOk(await back.request('sync', { since }));
    expect(page.messages.map((m) => m.id)).toEqual([newer.id]);
    expect(page.deleted).toEqual([{ bookingId, messageId: doomed.id }]);
    expect(page.changed).toEqual([byId(await history(customerApp), kept.id)]);
    expect(page.changed[0]).toMatchObject({ text: 'first, edited twice', reactions: [{ key: '👍', count: 1, mine: false }] });
    expect(byId(page.changed, untouched.id)).toBeUndefined();

    const again = expectOk(await back.request('sync', { since: page.cursor }));
    expect(again).toMatchObject({ messages: [], deleted: [], changed: [], cursor: page.cursor, more: false });
  });
});
