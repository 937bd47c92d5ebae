// The demo web chat (demo/) in a real Chromium, on the SDK, against a real bridge: two people
// chat in two browser contexts, a photo goes from a file input to the other side, messages
// written offline wait as pending and arrive once each, and a new browser for the same user sees
// the whole history. Production never serves the demo or its token route.
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startBridge } from '../support/bridge.ts';
import { useHarness } from '../support/harness.ts';
import { uniqueId } from '../support/booking-system.ts';

const harness = useHarness();
let browser: Browser;
/** DEMO_SCREENSHOTS=1 writes the screenshots docs/demo.md shows. */
const screenshots = process.env.DEMO_SCREENSHOTS ? 'docs/images' : undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

interface Person {
  context: BrowserContext;
  page: Page;
}

async function signIn(userId: string, name: string, role: 'customer' | 'artist', context?: BrowserContext): Promise<Person> {
  context ??= await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`${userId}'s page: ${error.message}`));
  page.on('dialog', (dialog) => console.error(`${userId}'s page: ${dialog.message()}`));
  await page.goto(`${harness.bridge.url}/demo/`);
  await page.fill('input[name=userId]', userId);
  await page.fill('input[name=name]', name);
  await page.check(`input[name=role][value=${role}]`);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#status[data-status=online]');
  return { context, page };
}

/** The customer starts a booking with the artist from the sidebar; both end up in its chat. */
async function startBooking(customer: Person, artist: Person, artistId: string, title: string): Promise<void> {
  await customer.page.fill('input[name=otherId]', artistId);
  await customer.page.fill('input[name=otherName]', 'Bea Artist');
  await customer.page.fill('input[name=title]', title);
  await customer.page.click('#new-booking button[type=submit]');
  await customer.page.waitForSelector(`.chat-header h2:text-is("${title}")`);
  await artist.page.click(`.chat-item:has-text("${title}")`);
  await artist.page.waitForSelector(`.chat-header h2:text-is("${title}")`);
}

async function send(person: Person, text: string): Promise<void> {
  await person.page.fill('#text', text);
  await person.page.press('#text', 'Enter');
}

const lineWithText = (page: Page, text: string) => page.locator('.message .text', { hasText: new RegExp(`^${text}$`) });

async function tinyPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 240, background: { r: 109, g: 74, b: 255 }, channels: 3 } })
    .composite([{ input: Buffer.from('<svg width="320" height="240"><circle cx="160" cy="120" r="70" fill="#ffb35c"/></svg>') }])
    .png()
    .toBuffer();
}

describe('the demo web chat', () => {
  const customerId = uniqueId('ann');
  const artistId = uniqueId('bea');
  const title = 'Fine-line forearm tattoo';
  let customer: Person;
  let artist: Person;

  beforeAll(async () => {
    [customer, artist] = await Promise.all([signIn(customerId, 'Ann Customer', 'customer'), signIn(artistId, 'Bea Artist', 'artist')]);
    await startBooking(customer, artist, artistId, title);
  });

  it('shows the chat with its booking context and the booking system message', async () => {
    const header = artist.page.locator('.chat-header');
    await expect.poll(() => header.textContent()).toContain('confirmed');
    expect(await header.textContent()).toContain('with Ann Customer (customer)');
    expect(await artist.page.locator('.chat-header .starts').textContent()).toMatch(/\d/);
    await artist.page.waitForSelector('.message.system .text:has-text("Booking confirmed")');
  });

  it('chats in real time, with typing and read receipts', async () => {
    await customer.page.fill('#text', 'Hi Bea');
    await artist.page.waitForSelector('#typing:has-text("Ann Customer is typing")');
    await customer.page.press('#text', 'Enter');
    await lineWithText(artist.page, 'Hi Bea').waitFor();
    await send(artist, 'Hi Ann! Do you have a reference?');
    await lineWithText(customer.page, 'Hi Ann! Do you have a reference\\?').waitFor();
    // The artist has the chat open, so the customer's message is read: the customer sees it.
    await customer.page.waitForSelector('.message.mine .seen');
  });

  it('sends a photo from a file input, with progress, and the other side shows it', async () => {
    await customer.page.fill('#text', 'Something like this');
    await customer.page.setInputFiles('#photo', { name: 'reference.png', mimeType: 'image/png', buffer: await tinyPhoto() });
    const photo = artist.page.locator('.message.theirs img.photo');
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    await lineWithText(artist.page, 'Something like this').waitFor();
    await send(artist, 'Love it. See you tomorrow!');
    await lineWithText(customer.page, 'Love it. See you tomorrow!').waitFor();
    if (screenshots) {
      await customer.page.screenshot({ path: `${screenshots}/demo-customer.png` });
      await artist.page.screenshot({ path: `${screenshots}/demo-artist.png` });
    }
  });

  it('queues messages written offline as pending, and each arrives once when back online', async () => {
    await customer.context.setOffline(true);
    await customer.page.waitForSelector('#status[data-status=offline]');
    const offline = ['Running 5 min late', 'Parking now', 'At the door'];
    for (const text of offline) await send(customer, text);
    await expect.poll(() => customer.page.locator('.message[data-state=pending]').count()).toBe(offline.length);
    await customer.page.waitForSelector('#offline-banner:visible');
    if (screenshots) await customer.page.screenshot({ path: `${screenshots}/demo-offline.png` });

    await customer.context.setOffline(false);
    await customer.page.waitForSelector('#status[data-status=online]');
    await expect.poll(() => customer.page.locator('.message[data-state=pending]').count()).toBe(0);
    // A follow-up sent after reconnecting is the barrier: once it is there, so is everything before it.
    await send(customer, 'Back online');
    await lineWithText(artist.page, 'Back online').waitFor();
    for (const text of offline) expect(await lineWithText(artist.page, text).count()).toBe(1);
    for (const text of offline) expect(await lineWithText(customer.page, text).count()).toBe(1);
  });

  it('shows a new browser for the same user the whole history', async () => {
    const again = await signIn(customerId, 'Ann Customer', 'customer');
    await again.page.click(`.chat-item:has-text("${title}")`);
    await lineWithText(again.page, 'Back online').waitFor();
    const texts = await again.page.locator('.message .text').allTextContents();
    expect(texts).toEqual([
      'Booking confirmed: Fine-line forearm tattoo',
      'Hi Bea',
      'Hi Ann! Do you have a reference?',
      'Something like this',
      'Love it. See you tomorrow!',
      'Running 5 min late',
      'Parking now',
      'At the door',
      'Back online',
    ]);
    expect(await again.page.locator('img.photo').count()).toBe(1);
    await again.context.close();
  });

  it('edits, replies and reacts, and the other window shows each', async () => {
    const message = (page: Page, text: string) =>
      page.locator('.message', { has: page.locator('.bubble > .text', { hasText: new RegExp(`^${text}$`) }) });
    await send(customer, 'Can you do 3pm?');
    // The artist taps the message to answer it.
    await message(artist.page, 'Can you do 3pm\\?').locator('.bubble').click();
    await artist.page.waitForSelector('#composer-context:has-text("Replying to Ann Customer")');
    await send(artist, 'Yes, 3pm works');
    const reply = message(customer.page, 'Yes, 3pm works');
    await reply.locator('.quote:has-text("Can you do 3pm?")').waitFor();

    const mine = message(customer.page, 'Can you do 3pm\\?');
    await mine.hover();
    await mine.locator('.edit').click();
    await customer.page.waitForSelector('#composer-context:has-text("Editing")');
    await send(customer, 'Can you do 4pm?');
    const edited = message(artist.page, 'Can you do 4pm\\?');
    await edited.locator('.edited').waitFor();
    // The reply's quote follows the edit in both windows.
    await message(artist.page, 'Yes, 3pm works').locator('.quote:has-text("Can you do 4pm?")').waitFor();
    await reply.locator('.quote:has-text("Can you do 4pm?")').waitFor();

    await edited.hover();
    await edited.locator('.react[data-key="👍"]').click();
    await message(customer.page, 'Can you do 4pm\\?').locator('.reaction[data-key="👍"]:not(.mine):has-text("1")').waitFor();
    await edited.locator('.reaction.mine[data-key="👍"]:has-text("1")').waitFor();
    expect(await customer.page.locator('.message .edited').count()).toBe(1);
  });

  it('reports a message and blocks the other person', async () => {
    await artist.page.hover('.message.theirs >> nth=-1');
    await artist.page.click('.message.theirs >> nth=-1 >> .report');
    await artist.page.fill('#report-dialog textarea', 'Asked to pay outside the app');
    await artist.page.click('#report-dialog button[value=report]');
    await artist.page.waitForSelector('.toast:has-text("Reported")');

    await customer.page.click('.chat-header .block');
    await customer.page.waitForSelector('.toast:has-text("Blocked")');
    await customer.page.waitForSelector('.chat-header .block:has-text("Unblock")');
    await send(artist, 'Are you there?');
    await artist.page.waitForSelector('.message[data-state=failed]:has-text("Are you there?")');
  });
});

describe('in production', () => {
  it('serves neither the demo nor its token and booking routes', async () => {
    const production = await startBridge({
      receivesTransactions: false,
      env: {
        NODE_ENV: 'production',
        TLS_TERMINATED_BY_PROXY: 'true',
        JWT_ISSUER: 'https://auth.example.com',
        JWT_AUDIENCE: 'booking-chat',
        ALLOWED_ORIGINS: 'https://app.example.com',
      },
    });
    try {
      const get = (path: string) => fetch(`${production.url}${path}`);
      const post = (path: string) =>
        fetch(`${production.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"userId":"ann","role":"customer"}',
        });
      for (const response of [await get('/demo/'), await get('/demo/main.ts'), await post('/demo/token'), await post('/demo/bookings')]) {
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
      }
      // The same requests to a development bridge find the demo: the 404 is production's doing.
      expect((await fetch(`${harness.bridge.url}/demo/`)).status).toBe(200);
      expect(
        (
          await fetch(`${harness.bridge.url}/demo/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"userId":"ann","role":"customer"}',
          })
        ).status,
      ).toBe(200);
    } finally {
      await production.close();
    }
  });
});
