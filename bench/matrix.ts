// Minimal raw Matrix client-server calls (fetch, keep-alive): what a lean client would send.
import { createHmac, randomBytes } from 'node:crypto';

export interface MatrixRequest {
  token: string;
  body?: unknown;
  query?: Record<string, string>;
  signal?: AbortSignal;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the benchmark reads Synapse answers ad hoc, untyped unless a caller names T
export async function matrixRequest<T = any>(base: string, method: string, path: string, request: MatrixRequest): Promise<T> {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${request.token}`, 'content-type': 'application/json' },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: request.signal,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url.pathname}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Registers an ordinary (non-appservice) user through Synapse's shared-secret admin API. */
export async function registerWithSharedSecret(
  base: string,
  sharedSecret: string,
  username: string,
): Promise<{ user_id: string; access_token: string }> {
  const nonceResponse = await fetch(new URL('/_synapse/admin/v1/register', base));
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const password = randomBytes(12).toString('hex');
  const mac = createHmac('sha1', sharedSecret).update(`${nonce}\0${username}\0${password}\0notadmin`).digest('hex');
  const response = await fetch(new URL('/_synapse/admin/v1/register', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nonce, username, password, mac, admin: false }),
  });
  if (!response.ok) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { user_id: string; access_token: string };
}

/** Registers a user in the appservice's namespace (the way the bridge's intents do). */
export async function registerAppserviceUser(base: string, asToken: string, localpart: string): Promise<void> {
  await matrixRequest(base, 'POST', '/_matrix/client/v3/register', {
    token: asToken,
    body: { type: 'm.login.application_service', username: localpart, inhibit_login: true },
  });
}

/** A /sync filter for one room's m.room.message timeline only (up to `limit` per response). */
export async function roomTimelineFilter(
  base: string,
  reader: { user_id: string; access_token: string },
  roomId: string,
  limit: number,
): Promise<string> {
  const filter = {
    presence: { not_types: ['*'] },
    account_data: { not_types: ['*'] },
    room: {
      rooms: [roomId],
      timeline: { limit, types: ['m.room.message'] },
      state: { not_types: ['*'] },
      ephemeral: { not_types: ['*'] },
      account_data: { not_types: ['*'] },
    },
  };
  const { filter_id } = await matrixRequest<{ filter_id: string }>(
    base,
    'POST',
    `/_matrix/client/v3/user/${encodeURIComponent(reader.user_id)}/filter`,
    { token: reader.access_token, body: filter },
  );
  return filter_id;
}
