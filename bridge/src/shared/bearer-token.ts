// `Authorization: Bearer <secret>` compared in constant time: the booking system's SERVICE_TOKEN on
// the REST API (http/service-auth.ts) and Synapse's hs_token on the appservice routes (matrix/transactions.ts).
import { createHash, timingSafeEqual } from 'node:crypto';

// Hashing first makes both sides the same length, which timingSafeEqual requires.
const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerMatches(header: string | undefined, secret: string): boolean {
  const presented = header?.match(/^Bearer (.+)$/)?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(secret));
}
