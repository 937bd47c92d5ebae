// The booking system's side: REST calls with the service token.
import { randomBytes } from 'node:crypto';
import { TEST_SERVICE_TOKEN } from './bridge.ts';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function putBooking(
  baseUrl: string,
  bookingId: string,
  body: unknown,
  token = TEST_SERVICE_TOKEN,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}/api/v1/bookings/${encodeURIComponent(bookingId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A booking between a new customer and a new artist. */
export async function newBooking(baseUrl: string) {
  const bookingId = uniqueId('bk');
  const customer = { id: uniqueId('Cust'), name: 'Ann Customer' };
  const artist = { id: uniqueId('art'), name: 'Bea Artist' };
  const result = await putBooking(baseUrl, bookingId, { customer, artist, title: 'Bridal make-up' });
  if (result.status !== 201) throw new Error(`booking not created: ${JSON.stringify(result.body)}`);
  return { bookingId, roomId: result.body.roomId as string, customer, artist };
}
