// The OpenAPI document (/api/v1/openapi.json) against the real answers: every route, its
// successes and every documented error, each validated (status, body, Retry-After) against the
// document; the last test fails if a documented answer was never produced here.
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { startTcpLink, type TcpLink } from '../support/tcp-link.ts';
import { tokenFor } from '../support/tokens.ts';

type Json = any;
const IMAGE_MAX_BYTES = 100_000;
const UPLOADS_PER_MINUTE = 5; // above the customer's own four uploads below

let link: TcpLink;
const harness = useHarness({
  bridge: async () => {
    link = await startTcpLink(inject('synapseUrl'));
    return {
      env: {
        SYNAPSE_URL: link.url,
        IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES),
        RATE_LIMIT_UPLOADS: `${UPLOADS_PER_MINUTE}/1m`,
        CHAT_CLOSE_AFTER_HOURS: '0',
      },
    };
  },
});
afterAll(async () => {
  await link?.close();
});

let document: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
/** `${method} ${path} ${status}` (and ` ${code}` for errors) of every answer checked. */
const produced = new Set<string>();

/** The document's `#/…` references replaced by what they point at. */
function resolved(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(resolved);
  if (typeof schema !== 'object' || schema === null) return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/')) {
    return resolved(
      schema.$ref
        .slice(2)
        .split('/')
        .reduce((node: Json, key: string) => node[key], document),
    );
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, resolved(value)]));
}

/** Which documented path a concrete one is. */
function templateOf(path: string): string {
  const template = Object.keys(document.paths).find((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  if (!template) throw new Error(`${path} is not in the document`);
  return template;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** Checks an answer against the document, and records that it was produced. */
function check(method: string, url: string, answer: Answer): Answer {
  const path = templateOf(new URL(url).pathname);
  const operation = document.paths[path][method];
  expect(operation, `${method} ${path}`).toBeDefined();
  const documented = operation.responses[answer.status];
  expect(documented, `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`).toBeDefined();
  const [mediaType, content] = Object.entries(documented.content ?? {})[0] as [string, Json];
  expect(answer.headers.get('content-type') ?? '').toMatch(new RegExp(`^${mediaType.replace('*', '.+')}`));
  if (content.schema) {
    const validate = ajv.compile(resolved(content.schema));
    expect(
      validate(answer.body),
      `${method} ${path} ${answer.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer.body)}`,
    ).toBe(true);
  }
  for (const header of Object.keys(documented.headers ?? {})) {
    if (header === 'Retry-After') expect(answer.headers.get('retry-after')).toBe(String(answer.body.error.retryAfter));
  }
  produced.add(`${method} ${path} ${answer.status}${answer.body?.error ? ` ${answer.body.error.code}` : ''}`);
  return answer;
}

async function call(method: string, url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { ...init, method: method.toUpperCase() });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer());
  return check(method, url, { status: response.status, headers: response.headers, body });
}

const json = (token: string | undefined, body: unknown): RequestInit => ({
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function upload(
  bookingId: string,
  token: string | undefined,
  image: Buffer | undefined,
  fields: Record<string, string> = {},
): Promise<Answer> {
  const form = new FormData();
  if (image) form.set('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'photo.png');
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return call('post', `${harness.bridge.url}/api/v1/bookings/${bookingId}/images`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
}

const photo = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#6d4aff' } })
    .png()
    .toBuffer();
const noise = (bytes: number) =>
  sharp(Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))), {
    raw: { width: bytes / 3 / 100, height: 100, channels: 3 },
  })
    .png()
    .toBuffer();

const SERVICE = 'test-service-token-0123456789';
const tooBig = { customer: { id: 'c', name: 'x'.repeat(70_000) }, artist: { id: 'a', name: 'b' } };

let booking: Awaited<ReturnType<typeof newBooking>>;
let sent: Json;

beforeAll(async () => {
  const answer = await fetch(`${harness.bridge.url}/api/v1/openapi.json`);
  document = await answer.json();
  check('get', answer.url, { status: answer.status, headers: answer.headers, body: document });
  booking = await newBooking(harness.bridge.url);
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 whose schemas compile', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const methods of Object.values<Json>(document.paths)) {
      for (const operation of Object.values<Json>(methods)) {
        for (const answer of Object.values<Json>(operation.responses)) {
          for (const content of Object.values<Json>(answer.content ?? {})) if (content.schema) ajv.compile(resolved(content.schema));
        }
        for (const content of Object.values<Json>(operation.requestBody?.content ?? {})) ajv.compile(resolved(content.schema));
      }
    }
  });

  it('describes the health routes', async () => {
    await call('get', `${harness.bridge.url}/healthz`);
    expect((await call('get', `${harness.bridge.url}/readyz`)).status).toBe(200);
  });

  it('describes the booking PUT', async () => {
    const id = uniqueId('bk');
    const parties = {
      customer: { id: uniqueId('cust'), name: 'Ann' },
      artist: { id: uniqueId('art'), name: 'Bea' },
      startsAt: new Date().toISOString(),
    };
    const url = `${harness.bridge.url}/api/v1/bookings/${id}`;
    expect((await call('put', url, json(SERVICE, parties))).status).toBe(201);
    expect((await call('put', url, json(SERVICE, { ...parties, status: 'confirmed' }))).status).toBe(200);
    expect((await call('put', url, json(SERVICE, { customer: parties.customer }))).status).toBe(400);
    expect((await call('put', url, json(undefined, parties))).status).toBe(401);
    expect((await call('put', url, json(SERVICE, tooBig))).status).toBe(413);
  });

  it('describes system messages', async () => {
    const url = `${harness.bridge.url}/api/v1/bookings/${booking.bookingId}/system-messages`;
    expect(
      (
        await call('post', url, {
          ...json(SERVICE, { type: 'booking.confirmed', data: { at: 1 } }),
          headers: { ...json(SERVICE, {}).headers, 'idempotency-key': randomUUID() },
        })
      ).status,
    ).toBe(201);
    expect((await call('post', url, json(SERVICE, { type: 'Not A Type' }))).status).toBe(400);
    expect((await call('post', url, json(undefined, { type: 'booking.confirmed' }))).status).toBe(401);
    expect(
      (
        await call(
          'post',
          `${harness.bridge.url}/api/v1/bookings/${uniqueId('none')}/system-messages`,
          json(SERVICE, { type: 'booking.confirmed' }),
        )
      ).status,
    ).toBe(404);
    expect((await call('post', url, json(SERVICE, { type: 'booking.confirmed', text: 'x'.repeat(70_000) }))).status).toBe(413);
  });

  it('describes photo uploads', async () => {
    const customer = await tokenFor(booking.customer.id);
    const answer = await upload(booking.bookingId, customer, await photo(), { caption: 'this style', clientId: randomUUID() });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    sent = answer.body.message;
    expect((await upload(booking.bookingId, customer, undefined)).body.error.code).toBe('invalid');
    expect((await upload(booking.bookingId, undefined, await photo())).status).toBe(401);
    expect((await upload(booking.bookingId, customer, await photo(), { caption: 'shit' })).body.error.code).toBe('filtered');
    expect((await upload(booking.bookingId, customer, await noise(3 * 100 * 400))).body.error.code).toBe('too_large');

    // Refused before the body is read, so each attempt counts: the next is over the limit.
    const stranger = await tokenFor(uniqueId('stranger'));
    for (let attempt = 0; attempt < UPLOADS_PER_MINUTE; attempt++) {
      expect((await upload(booking.bookingId, stranger, await photo())).body.error.code).toBe('forbidden');
    }
    expect((await upload(booking.bookingId, stranger, await photo())).body.error.code).toBe('rate_limited');

    const customerApp = await harness.app(booking.customer.id, 'customer');
    await customerApp.request('user:block', { userId: booking.artist.id });
    expect((await upload(booking.bookingId, await tokenFor(booking.artist.id, { role: 'artist' }), await photo())).body.error.code).toBe(
      'blocked',
    );
    await customerApp.request('user:unblock', { userId: booking.artist.id });

    const over = await newBooking(harness.bridge.url);
    expect((await putBooking(harness.bridge.url, over.bookingId, { ...over, status: 'completed' })).status).toBe(200);
    expect((await upload(over.bookingId, await tokenFor(over.customer.id), await photo())).body.error.code).toBe('closed');
  });

  it("describes a user's export and erasure", async () => {
    const users = `${harness.bridge.url}/api/v1/users`;
    const auth = { headers: { authorization: `Bearer ${SERVICE}` } };
    const exported = await call('get', `${users}/${booking.customer.id}/export`, auth);
    expect(exported.body.bookings).toEqual([expect.objectContaining({ bookingId: booking.bookingId, role: 'customer' })]);
    expect((await call('get', `${users}/a%20b/export`, auth)).status).toBe(400);
    expect((await call('get', `${users}/${booking.customer.id}/export`)).status).toBe(401);
    const someone = uniqueId('gone');
    expect((await call('delete', `${users}/${someone}`, auth)).body).toMatchObject({ userId: someone, repeated: false });
    expect((await call('delete', `${users}/a%20b`, auth)).status).toBe(400);
    expect((await call('delete', `${users}/${someone}`)).status).toBe(401);
  });

  it('describes image and thumbnail downloads', async () => {
    const member = await tokenFor(booking.customer.id);
    const mediaPath = new URL(sent.image.url).pathname;
    for (const [variant, signed] of [
      ['image', sent.image.url],
      ['thumbnail', sent.image.thumbnailUrl],
    ]) {
      const base = new URL(signed).pathname;
      expect((await call('get', signed)).status).toBe(200);
      expect((await call('get', `${harness.bridge.url}${base}`, { headers: { authorization: `Bearer ${member}` } })).status).toBe(200);
      expect((await call('get', `${harness.bridge.url}${base}`)).status).toBe(401);
      expect((await call('get', `${harness.bridge.url}${base}?user=${booking.customer.id}&exp=9999999999&sig=forged`)).status).toBe(403);
      const other = base.replace(/\/[^/]+(\/thumbnail)?$/, `/unknownMedia${variant === 'thumbnail' ? '/thumbnail' : ''}`);
      expect((await call('get', `${harness.bridge.url}${other}`, { headers: { authorization: `Bearer ${member}` } })).status).toBe(404);
      const bad = base.replace(/\/[^/]+(\/thumbnail)?$/, `/bad!id${variant === 'thumbnail' ? '/thumbnail' : ''}`);
      expect((await call('get', `${harness.bridge.url}${bad}`, { headers: { authorization: `Bearer ${member}` } })).status).toBe(400);
    }
    expect(mediaPath).toMatch(/^\/api\/v1\/media\//);
  });

  it('describes every route with the homeserver unreachable', { timeout: 90_000 }, async () => {
    await link.down('refused');
    try {
      const parties = { customer: { id: uniqueId('cust'), name: 'Ann' }, artist: { id: uniqueId('art'), name: 'Bea' } };
      expect((await call('put', `${harness.bridge.url}/api/v1/bookings/${uniqueId('bk')}`, json(SERVICE, parties))).status).toBe(503);
      expect(
        (
          await call(
            'post',
            `${harness.bridge.url}/api/v1/bookings/${booking.bookingId}/system-messages`,
            json(SERVICE, { type: 'booking.confirmed' }),
          )
        ).status,
      ).toBe(503);
      expect((await upload(booking.bookingId, await tokenFor(booking.artist.id, { role: 'artist' }), await photo())).status).toBe(503);
      expect((await call('get', sent.image.url)).status).toBe(503);
      expect((await call('get', sent.image.thumbnailUrl)).status).toBe(503);
      // Readiness follows the homeserver's health poll (every 5 s).
      await expect
        .poll(async () => (await call('get', `${harness.bridge.url}/readyz`)).status, { timeout: 15_000, interval: 500 })
        .toBe(503);
    } finally {
      await link.up();
    }
  });

  it('had every documented answer produced above', () => {
    const documented: string[] = [];
    for (const [path, methods] of Object.entries<Json>(document.paths)) {
      for (const [method, operation] of Object.entries<Json>(methods)) {
        for (const [status, answer] of Object.entries<Json>(operation.responses)) {
          if (status === 'default') continue;
          const codes: string[] | undefined =
            answer.content?.['application/json']?.schema?.allOf?.[1]?.properties.error.properties.code.enum;
          for (const code of codes ?? [undefined]) documented.push(`${method} ${path} ${status}${code ? ` ${code}` : ''}`);
        }
      }
    }
    expect(documented.filter((answer) => !produced.has(answer))).toEqual([]);
  });
});
