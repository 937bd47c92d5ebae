// Development only: the demo web chat (demo/) and the two shortcuts it needs to run from
// `npm start` alone: a token for any user id, and a booking between two users. createApp never
// mounts these in production (anyone could sign in as anyone).
//
// Bundle-free: the browser loads the demo's and the SDK's TypeScript as ES modules, types
// stripped on the way out (Node's own type stripping, as the bridge itself runs), and
// socket.io-client's ESM browser build through the demo's import map.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { BookingChats } from '../bookings/booking-chats.ts';
import type { SystemMessages } from '../bookings/system-messages.ts';
import type { Config } from '../config/config.ts';
import { bookingPartySchema, roleSchema, userIdSchema } from '../protocol/schemas.ts';
import { parse } from './validate.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO_DIR = join(ROOT, 'demo');
const SDK_DIR = join(ROOT, 'packages', 'client', 'src');
const SOCKET_IO_DIR = join(ROOT, 'node_modules', 'socket.io-client', 'dist');

/** Module file names as the demo and the SDK write them; anything else is not served. */
const MODULE_NAME = /^[a-z0-9-]+\.ts$/;

const tokenRequestSchema = z.object({ userId: userIdSchema, role: roleSchema, name: z.string().trim().min(1).max(100).optional() });

const demoBookingSchema = z.object({
  customer: bookingPartySchema,
  artist: bookingPartySchema,
  title: z.string().trim().min(1).max(200).default('Tattoo session'),
});

export interface DemoRoutesDeps {
  bookingChats: BookingChats;
  systemMessages: SystemMessages;
}

type HmacJwt = Config['jwt'] & { secret: string };

/** The demo's routes, or none: in production, and where tokens are not signed with JWT_SECRET (a JWKS deployment). */
export function demoRoutes(config: Config, deps: DemoRoutesDeps): Router | undefined {
  const { jwt } = config;
  if (config.env === 'production' || jwt.secret === undefined || jwt.jwksUrl !== undefined) return undefined;
  return demoRouter({ ...jwt, secret: jwt.secret }, deps);
}

function demoRouter(jwt: HmacJwt, deps: DemoRoutesDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '4kb', strict: true }));
  router.post('/token', async (request, response) => {
    const { userId, role, name } = parse(tokenRequestSchema, request.body, 'body');
    response.json({ token: await signToken(jwt, userId, role, name ?? userId) });
  });
  router.post('/bookings', async (request, response) => {
    const { customer, artist, title } = parse(demoBookingSchema, request.body, 'body');
    // The same code as the booking system's PUT /bookings/:id, then a system message as it would post one.
    const bookingId = `demo-${randomBytes(4).toString('hex')}`;
    const startsAt = nextAfternoon().toISOString();
    await deps.bookingChats.upsert(bookingId, { customer, artist, title, startsAt, status: 'confirmed' });
    await deps.systemMessages.post(bookingId, { type: 'booking.confirmed', text: `Booking confirmed: ${title}` }, randomUUID());
    response.status(201).json({ bookingId });
  });
  router.get(['/:file', '/sdk/:file'], typeScriptModules);
  router.use('/vendor', express.static(SOCKET_IO_DIR, { index: false }));
  router.use(express.static(DEMO_DIR, { index: 'index.html' }));
  return router;
}

function signToken(jwt: HmacJwt, userId: string, role: string, name: string): Promise<string> {
  let token = new SignJWT({ role, name }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('1h');
  if (jwt.issuer) token = token.setIssuer(jwt.issuer);
  if (jwt.audience) token = token.setAudience(jwt.audience);
  return token.sign(new TextEncoder().encode(jwt.secret));
}

/** Tomorrow, 15:00 local time: a booking time that looks like one. */
function nextAfternoon(): Date {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(15, 0, 0, 0);
  return date;
}

// Stripped at each request (a few milliseconds): an edited demo file shows on reload.
const typeScriptModules: express.RequestHandler = async (request, response, next) => {
  const file = String(request.params.file);
  if (!MODULE_NAME.test(file)) return next();
  const source = await readFile(join(request.path.startsWith('/sdk/') ? SDK_DIR : DEMO_DIR, file), 'utf8').catch(() => undefined);
  if (source === undefined) return next();
  response
    .type('text/javascript')
    .setHeader('Cache-Control', 'no-cache')
    .send(stripTypeScriptTypes(source, { mode: 'strip' }));
};
