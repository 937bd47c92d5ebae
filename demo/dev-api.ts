// The bridge's development-only routes (bridge/src/http/demo-routes.ts): a token for any user,
// and a booking between two users. A real app gets its token from the platform's auth service.
import type { ChatMember } from '@booking-chat/client';

export interface DemoUser {
  userId: string;
  role: 'customer' | 'artist';
  name: string;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(new URL(path, import.meta.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
  return answer as T;
}

export async function devToken(user: DemoUser): Promise<string> {
  return (await post<{ token: string }>('./token', user)).token;
}

/** A confirmed booking between the signed-in user and someone else, on the sides their roles say. */
export async function startDemoBooking(me: DemoUser, other: Omit<ChatMember, 'role'>, title: string): Promise<string> {
  const self = { id: me.userId, name: me.name };
  const parties = me.role === 'customer' ? { customer: self, artist: other } : { customer: other, artist: self };
  return (await post<{ bookingId: string }>('./bookings', { ...parties, title })).bookingId;
}
