// The booking system's REST routes (service token).
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { BookingChats } from '../bookings/booking-chats.ts';
import type { SystemMessages } from '../bookings/system-messages.ts';
import { AppError } from '../protocol/errors.ts';
import { bookingIdSchema, bookingUpsertSchema, systemMessageSchema } from '../protocol/schemas.ts';
import { requireServiceToken } from './service-auth.ts';
import { parse } from './validate.ts';

export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII, at most 128 characters');

/** Which of these users were erased (privacy/): a booking may not bring one back. */
export type ErasedAmong = (userIds: string[]) => Promise<string[]>;

export function bookingRoutes(
  serviceToken: string,
  bookingChats: BookingChats,
  systemMessages: SystemMessages,
  erasedAmong: ErasedAmong,
): Router {
  const router = Router();
  // Per route: the apps' routes under /bookings (images) take user tokens instead.
  const serviceOnly = requireServiceToken(serviceToken);

  router.put('/bookings/:bookingId', serviceOnly, async (request, response) => {
    const bookingId = parse(bookingIdSchema, request.params.bookingId, 'bookingId');
    const body = parse(bookingUpsertSchema, request.body, 'body');
    const [erased] = await erasedAmong([body.customer.id, body.artist.id]);
    if (erased !== undefined) {
      const field = erased === body.customer.id ? 'customer' : 'artist';
      throw new AppError('invalid', `body.${field}.id: this user was erased (DELETE /api/v1/users/:userId) and cannot be named again`);
    }
    const { booking, created } = await bookingChats.upsert(bookingId, body);
    response.status(created ? 201 : 200).json({ bookingId: booking.booking_id, roomId: booking.room_id, created });
  });

  router.post('/bookings/:bookingId/system-messages', serviceOnly, async (request, response) => {
    const bookingId = parse(bookingIdSchema, request.params.bookingId, 'bookingId');
    const body = parse(systemMessageSchema, request.body, 'body');
    const given = request.header('idempotency-key');
    const key = given === undefined ? randomUUID() : parse(idempotencyKeySchema, given, 'Idempotency-Key');
    response.status(201).json({ message: await systemMessages.post(bookingId, body, key) });
  });

  return router;
}
