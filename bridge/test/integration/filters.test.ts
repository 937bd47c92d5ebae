// The text filter on the send path: blocked texts never reach Synapse, contact details are
// masked for everyone (Element included), flagged texts are delivered and reported, and the
// configuration file is reloaded without a restart.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/protocol/types.ts';
import { newBooking } from '../support/booking-system.ts';
import { expectOk } from '../support/app-client.ts';
import { useHarness } from '../support/harness.ts';
import { jpegWithGpsAndOrientation } from '../support/images.ts';
import { tokenFor } from '../support/tokens.ts';

const configFile = join(mkdtempSync(join(tmpdir(), 'bookingchat-filters-')), 'filters.yaml');
copyFileSync(join(import.meta.dirname, '..', '..', '..', 'config', 'filters.yaml'), configFile);

const harness = useHarness({ staff: true, bridge: async () => ({ env: { FILTER_CONFIG_FILE: configFile } }) });

async function chat() {
  const booking = await newBooking(harness.bridge.url);
  await harness.staffJoins(booking.roomId);
  return { ...booking, customerApp: await harness.app(booking.customer.id), artistApp: await harness.app(booking.artist.id, 'artist') };
}

const send = (client: Awaited<ReturnType<typeof chat>>['customerApp'], bookingId: string, text: string) =>
  client.request('message:send', { bookingId, clientId: randomUUID(), text });

describe('the filter on sends', () => {
  it('refuses abuse with filtered and its reason; nothing reaches Synapse or the other app', async () => {
    const { bookingId, customerApp, artistApp } = await chat();
    const refused = await send(customerApp, bookingId, 'you are a f.u.c.k.i.n.g idiot');
    expect(refused).toMatchObject({ ok: false, error: { code: 'filtered', reason: 'profanity' } });
    const history = expectOk(await artistApp.request('chat:history', { bookingId }));
    expect(history.messages).toEqual([]);
    const audit = await harness.bridge.app.db('audit_log').where({ action: 'filter.block', booking_id: bookingId });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0].details)).not.toContain('idiot');
  });

  it('masks contact details for everyone, Element included', async () => {
    const { bookingId, roomId, customerApp, artistApp } = await chat();
    const sent = expectOk(
      await send(customerApp, bookingId, 'text me on 07911 123456 or anna@example.com instead, see you at 10:30 for £85'),
    );
    const text = sent.message.text!;
    expect(text).not.toContain('07911');
    expect(text).not.toContain('anna@example.com');
    expect(text).toContain('10:30');
    expect(text).toContain('£85');
    expect((await artistApp.waitForMessage((m) => m.id === sent.message.id)).text).toBe(text);
    const inElement = await harness.staff.waitForEvent(roomId, (e) => e.getId() === sent.message.id);
    expect(inElement.getContent().body).toBe(text);
  });

  it('filters image captions too', async () => {
    const { bookingId, customer } = await chat();
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(await jpegWithGpsAndOrientation())], { type: 'image/jpeg' }), 'a.jpg');
    form.set('caption', 'insta: @anna.makeup.pro');
    const response = await fetch(`${harness.bridge.url}/api/v1/bookings/${bookingId}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(customer.id)}` },
      body: form,
    });
    const { message } = (await response.json()) as { message: Message };
    expect(response.status).toBe(201);
    expect(message.text).not.toContain('anna.makeup.pro');
  });

  it('follows the configuration file as it is edited, and flags without blocking', async () => {
    const { bookingId, customerApp } = await chat();
    const original = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, original.replace(/(  link:\n    action: )mask/, '$1flag'));
    await expect
      .poll(
        async () => {
          const attempt = await send(customerApp, bookingId, 'my portfolio: https://example.com/anna');
          return attempt.ok && attempt.message.text?.includes('https://example.com/anna');
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(true);
    await expect
      .poll(async () => (await harness.bridge.app.db('reports').where({ booking_id: bookingId, reporter_id: 'system:filter' })).length, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);

    // The barrier: the watcher has read the invalid file once it logs that it was not reloaded
    // (children of the bridge's logger write to its stream).
    const logStream = (harness.bridge.app.logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!;
    const logWrite = vi.spyOn(logStream, 'write');
    writeFileSync(configFile, 'categories: [this is not valid');
    await expect
      .poll(() => logWrite.mock.calls.some(([line]) => String(line).includes('filter configuration not reloaded')), { timeout: 15_000 })
      .toBe(true);
    logWrite.mockRestore();
    // An invalid file keeps the filter in force.
    expect(await send(customerApp, bookingId, 'shit')).toMatchObject({ ok: false, error: { code: 'filtered' } });
    writeFileSync(configFile, original);
  });
});
