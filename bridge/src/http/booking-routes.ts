// The booking system's REST routes (service token).
import { Router } from 'express';
import type { BookingChats } from '../bookings/booking-chats.ts';
import { bookingIdSchema, bookingUpsertSchema } from '../protocol/schemas.ts';
import { requireServiceToken } from './service-auth.ts';
import { parse } from './validate.ts';

export function bookingRoutes(serviceToken: string, bookingChats: BookingChats): Router {
  const router = Router();
  router.use('/bookings', requireServiceToken(serviceToken));

  router.put('/bookings/:bookingId', async (request, response) => {
    const bookingId = parse(bookingIdSchema, request.params.bookingId, 'bookingId');
    const body = parse(bookingUpsertSchema, request.body, 'body');
    const { booking, created } = await bookingChats.upsert(bookingId, body);
    response.status(created ? 201 : 200).json({ bookingId: booking.booking_id, roomId: booking.room_id, created });
  });

  return router;
}
