// The booking system's side: REST calls with the service token (over HTTPS with a given CA).
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TEST_SERVICE_TOKEN } from './bridge.ts';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface RequestOptions {
  token?: string;
  ca?: Buffer;
  headers?: Record<string, string>;
}

export function jsonRequest(
  method: string,
  url: string,
  body: unknown,
  options: RequestOptions = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: any }> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        ca: options.ca,
        headers: {
          authorization: `Bearer ${options.token ?? TEST_SERVICE_TOKEN}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function putBooking(baseUrl: string, bookingId: string, body: unknown, options: RequestOptions = {}) {
  return jsonRequest('PUT', `${baseUrl}/api/v1/bookings/${encodeURIComponent(bookingId)}`, body, options);
}

/** A booking between a new customer and a new artist. */
export async function newBooking(baseUrl: string, options: RequestOptions = {}) {
  const bookingId = uniqueId('bk');
  const customer = { id: uniqueId('Cust'), name: 'Ann Customer' };
  const artist = { id: uniqueId('art'), name: 'Bea Artist' };
  const result = await putBooking(baseUrl, bookingId, { customer, artist, title: 'Bridal make-up' }, options);
  if (result.status !== 201) throw new Error(`booking not created: ${JSON.stringify(result.body)}`);
  return { bookingId, roomId: result.body.roomId as string, customer, artist };
}
