// A support agent on the homeserver, using matrix-js-sdk as Element does.
import { createHmac, randomBytes } from 'node:crypto';
import { ClientEvent, createClient, type MatrixClient, type MatrixEvent, RoomEvent } from 'matrix-js-sdk';
import type { Logger } from 'matrix-js-sdk/lib/logger.js';
import { inject } from 'vitest';

const ignore = () => undefined;
/** Only warnings and errors from the SDK: its debug lines would drown the test output. */
const quietLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
  getChild: () => quietLogger,
};

/** Registers a user through Synapse's shared-secret admin API. */
async function register(username: string, password: string): Promise<{ user_id: string; access_token: string }> {
  const base = inject('synapseUrl');
  const { nonce } = (await (await fetch(`${base}/_synapse/admin/v1/register`)).json()) as { nonce: string };
  const mac = createHmac('sha1', inject('registrationSharedSecret')).update(`${nonce}\0${username}\0${password}\0notadmin`).digest('hex');
  const response = await fetch(`${base}/_synapse/admin/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nonce, username, password, mac, admin: false }),
  });
  if (!response.ok) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { user_id: string; access_token: string };
}

export interface StaffClient {
  client: MatrixClient;
  userId: string;
  /** Resolves with the first timeline event in the room matching the predicate. */
  waitForEvent(roomId: string, predicate: (event: MatrixEvent) => boolean, timeoutMs?: number): Promise<MatrixEvent>;
  stop(): void;
}

export async function startStaffClient(): Promise<StaffClient> {
  const username = `staff_${randomBytes(4).toString('hex')}`;
  const { user_id, access_token } = await register(username, randomBytes(12).toString('hex'));
  const client = createClient({
    baseUrl: inject('synapseUrl'),
    accessToken: access_token,
    userId: user_id,
    logger: quietLogger,
  });
  const synced = new Promise<void>((resolve) => client.once(ClientEvent.Sync, () => resolve()));
  await client.startClient({ initialSyncLimit: 20 });
  await synced;
  return {
    client,
    userId: user_id,
    waitForEvent(roomId, predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const existing = client.getRoom(roomId)?.getLiveTimeline().getEvents().find(predicate);
        if (existing) return resolve(existing);
        const onTimeline = (event: MatrixEvent) => {
          if (event.getRoomId() !== roomId || !predicate(event)) return;
          client.off(RoomEvent.Timeline, onTimeline);
          clearTimeout(timer);
          resolve(event);
        };
        const timer = setTimeout(() => {
          client.off(RoomEvent.Timeline, onTimeline);
          reject(new Error(`no matching Matrix event within ${timeoutMs} ms`));
        }, timeoutMs);
        client.on(RoomEvent.Timeline, onTimeline);
      });
    },
    stop: () => client.stopClient(),
  };
}

/** Invites a user into a room as the bridge's bot (for bridges running in other processes). */
export async function inviteAsBot(roomId: string, userId: string): Promise<void> {
  const { as_token } = inject('registration') as { as_token: string };
  const response = await fetch(`${inject('synapseUrl')}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, {
    method: 'POST',
    headers: { authorization: `Bearer ${as_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  if (!response.ok) throw new Error(`invite ${userId}: ${response.status} ${await response.text()}`);
}
