// Photos in the chat: app → bridge (checked, cleaned) → Synapse's media repository → the other
// app and Element; Element → apps; downloads only for members; URLs that work in an <img> tag.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { expectOk } from '../support/app-client.ts';
import { useHarness } from '../support/harness.ts';
import type { Message } from '../../src/protocol/types.ts';
import { newBooking } from '../support/booking-system.ts';
import {
  htmlNamedJpg,
  jpegWithGpsAndOrientation,
  jpegWithHtmlAppended,
  readExif,
  svgWithScript,
  truncatedJpeg,
} from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';
import { tokenFor } from '../support/tokens.ts';

let browser: Browser;
const harness = useHarness({ staff: true });

function upload(bookingId: string, userId: string, image: Buffer, fields: Record<string, string> = {}, filename?: string) {
  return uploadImage(harness.bridge.url, bookingId, userId, image, fields, filename);
}

async function download(url: string, token?: string) {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('a photo sent by an app', () => {
  it('arrives cleaned (upright, no GPS or EXIF) at the other app and in Element, once per clientId', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    await harness.staffJoins(roomId);
    const artistApp = await harness.app(artist.id, 'artist');

    const original = await jpegWithGpsAndOrientation();
    const before = await sharp(original).metadata();
    expect(before.orientation).toBe(6);
    const clientId = randomUUID();
    const sent = await upload(bookingId, customer.id, original, { clientId, caption: 'this hair style' });
    expect(sent.status).toBe(201);
    const message: Message = sent.body.message;
    expect(message).toMatchObject({ kind: 'image', text: 'this hair style', clientId, sender: { id: customer.id, role: 'customer' } });
    // Turned upright: orientation 6 means the stored pixels are rotated a quarter turn.
    expect(message.image).toMatchObject({ width: before.height, height: before.width, mimetype: 'image/jpeg' });

    // The same message, its links issued to the artist.
    const received = await artistApp.waitForMessage((m) => m.id === message.id);
    expect({ ...received, image: undefined }).toEqual({ ...message, image: undefined });
    expect(new URL(received.image!.url).searchParams.get('user')).toBe(artist.id);
    expect(new URL(message.image!.url).searchParams.get('user')).toBe(customer.id);
    expect((await download(received.image!.url)).status).toBe(200);
    const again = await upload(bookingId, customer.id, original, { clientId, caption: 'this hair style' });
    expect(again.body.message.id).toBe(message.id);

    const image = await download(message.image!.url);
    expect(image.status).toBe(200);
    expect(image.type).toBe('image/jpeg');
    const metadata = await sharp(image.body).metadata();
    expect(metadata.orientation).toBeUndefined();
    expect(metadata.exif ? readExif(metadata.exif).gps : undefined).toBeUndefined();
    expect([metadata.width, metadata.height]).toEqual([message.image!.width, message.image!.height]);
    const thumbnail = await download(message.image!.thumbnailUrl);
    expect(thumbnail.status).toBe(200);
    expect(Math.max((await sharp(thumbnail.body).metadata()).width!, (await sharp(thumbnail.body).metadata()).height!)).toBeLessThanOrEqual(
      320,
    );

    const inElement = await harness.staff.waitForEvent(roomId, (e) => e.getId() === message.id);
    expect(inElement.getContent()).toMatchObject({
      msgtype: 'm.image',
      body: 'this hair style',
      info: { w: message.image!.width, mimetype: 'image/jpeg' },
    });
    expect(String(inElement.getContent().url)).toMatch(/^mxc:\/\//);
    expect(String(inElement.getContent().info.thumbnail_url)).toMatch(/^mxc:\/\//);

    const history = expectOk(await artistApp.request('chat:history', { bookingId }));
    expect(history.messages.find((m) => m.id === message.id)?.image?.url).toMatch(/[?&]sig=/);
  });

  it.each([
    ['an SVG with a script', svgWithScript(), 400, 'invalid'],
    ['HTML named .jpg', htmlNamedJpg(), 400, 'invalid'],
    ['zero bytes', Buffer.alloc(0), 400, 'invalid'],
  ])('is refused when it is %s, and nothing is sent', async (_label, file, status, code) => {
    const { bookingId, customer } = await newBooking(harness.bridge.url);
    const result = await upload(bookingId, customer.id, file);
    expect(result).toMatchObject({ status, body: { error: { code } } });
    expect(await harness.bridge.app.db('messages').where({ booking_id: bookingId }).count('* as n')).toEqual([{ n: '0' }]);
  });

  it('is refused when truncated, a polyglot, too large, or outside one’s bookings', async () => {
    const { bookingId, customer } = await newBooking(harness.bridge.url);
    expect((await upload(bookingId, customer.id, await truncatedJpeg())).body.error.code).toBe('invalid');
    expect((await upload(bookingId, customer.id, await jpegWithHtmlAppended())).body.error.code).toBe('invalid');
    expect(await upload(bookingId, customer.id, Buffer.alloc(10 * 1024 * 1024 + 1, 0xff))).toMatchObject({
      status: 413,
      body: { error: { code: 'too_large' } },
    });
    const other = await newBooking(harness.bridge.url);
    expect(await upload(other.bookingId, customer.id, await jpegWithGpsAndOrientation())).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    const anonymous = await fetch(`${harness.bridge.url}/api/v1/bookings/${bookingId}/images`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });
});

describe('image downloads', () => {
  it('are for members only: another booking gets forbidden, guessed ids and forged links get nothing', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const { body } = await upload(bookingId, customer.id, await jpegWithGpsAndOrientation());
    const url = new URL(body.message.image.url);
    const bare = `${url.origin}${url.pathname}`;

    expect((await download(bare, await tokenFor(customer.id))).status).toBe(200);
    expect((await download(bare)).status).toBe(401);
    expect((await download(bare, await tokenFor('outsider'))).status).toBe(403);
    expect((await download(`${bare}?exp=${url.searchParams.get('exp')}&sig=forged`)).status).toBe(403);
    expect((await download(`${bare}?exp=1&sig=${url.searchParams.get('sig')}`)).status).toBe(403);
    // A link is issued to one user: naming another (the other member) breaks its signature.
    const reissued = new URL(url);
    reissued.searchParams.set('user', artist.id);
    expect((await download(reissued.href)).status).toBe(403);

    // The same media id under another booking, or a guessed id under this one.
    const other = await newBooking(harness.bridge.url);
    const moved = bare.replace(`/media/${bookingId}/`, `/media/${other.bookingId}/`);
    expect((await download(moved, await tokenFor(other.customer.id))).status).toBe(404);
    const guessed = bare.replace(/\/[^/]+$/, '/AAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await download(guessed, await tokenFor(customer.id))).status).toBe(404);
  });

  it('stop working once staff removed the message (404), before the link expires', async () => {
    const { bookingId, roomId, customer } = await newBooking(harness.bridge.url);
    await harness.staffJoins(roomId);
    await harness.bridge.app.homeserver.bot.setPowerLevel(roomId, harness.staff.userId, 50);
    const customerApp = await harness.app(customer.id);
    const { message } = (await upload(bookingId, customer.id, await jpegWithGpsAndOrientation())).body as { message: Message };
    expect((await download(message.image!.url)).status).toBe(200);

    const deleted = new Promise<void>((resolve) =>
      customerApp.socket.on('message:deleted', (event) => event.messageId === message.id && resolve()),
    );
    await harness.staff.client.redactEvent(roomId, message.id);
    await deleted;
    expect((await download(message.image!.url)).status).toBe(404);
    expect((await download(message.image!.thumbnailUrl)).status).toBe(404);
  });

  it('work in an <img> tag of a real browser, and a forged link does not', async () => {
    const { bookingId, customer } = await newBooking(harness.bridge.url);
    const { body } = await upload(bookingId, customer.id, await jpegWithGpsAndOrientation());
    const page: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<img id="good" src="${body.message.image.thumbnailUrl}"><img id="forged" src="${body.message.image.url.replace(/sig=[^&]+/, 'sig=x')}">`,
      );
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`, { waitUntil: 'load' });
      type Page = { document: { getElementById(id: string): { naturalWidth: number } } };
      const widths = await tab.evaluate(() =>
        ['good', 'forged'].map((id) => (globalThis as unknown as Page).document.getElementById(id).naturalWidth),
      );
      expect(widths[0]).toBeGreaterThan(0);
      expect(widths[1]).toBe(0);
      await tab.close();
    } finally {
      page.close();
    }
  });
});

describe('a photo sent from Element', () => {
  it('reaches the apps as kind "image" from Support, downloadable by members', async () => {
    const { bookingId, roomId, customer } = await newBooking(harness.bridge.url);
    await harness.staffJoins(roomId);
    const customerApp = await harness.app(customer.id);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c06' } })
      .png()
      .toBuffer();
    const { content_uri } = await harness.staff.client.uploadContent(png, { type: 'image/png', name: 'look.png' });
    const { event_id } = await harness.staff.client.sendMessage(roomId, {
      msgtype: 'm.image',
      body: 'look.png',
      url: content_uri,
      info: { w: 64, h: 48, mimetype: 'image/png', size: png.length },
    } as never);
    const received = await customerApp.waitForMessage((m) => m.id === event_id);
    expect(received).toMatchObject({
      bookingId,
      kind: 'image',
      sender: { role: 'support' },
      image: { width: 64, height: 48, mimetype: 'image/png' },
    });
    expect(received.text).toBeUndefined();
    const image = await download(received.image!.url);
    expect(image.status).toBe(200);
    expect((await sharp(image.body).metadata()).width).toBe(64);
    expect((await download(received.image!.thumbnailUrl)).status).toBe(200);
  });
});
