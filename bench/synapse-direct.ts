// System `synapse`: the same sends straight to Synapse's client-server API, as an app user
// impersonated with the appservice token (?user_id=); a message counts as delivered when a
// second, ordinary Matrix user's /sync long-poll returns it.
import { randomBytes } from 'node:crypto';
import { CONTENT_CLIENT_ID } from '../bridge/src/messages/matrix-event.ts';
import { matrixRequest, registerAppserviceUser, registerWithSharedSecret, roomTimelineFilter } from './matrix.ts';
import type { Deliveries, Target } from './workload.ts';

export interface SynapseDirectOptions {
  synapseUrl: string;
  serverName: string;
  asToken: string;
  registrationSharedSecret: string;
  log: (line: string) => void;
}

export const SYNAPSE_MEASURES =
  "PUT /rooms/{id}/send as an appservice-impersonated user until a second user's /sync long-poll returns the event; ack = the PUT response. Synapse also pushes these events to the registered bridge, which ignores them (not a booking room)";

export async function startSynapseDirect(options: SynapseDirectOptions, deliveries: Deliveries): Promise<Target> {
  const base = options.synapseUrl;
  const suffix = randomBytes(4).toString('hex');
  const senderLocalpart = `app_benchraw_${suffix}`;
  const senderId = `@${senderLocalpart}:${options.serverName}`;
  await registerAppserviceUser(base, options.asToken, senderLocalpart);
  const reader = await registerWithSharedSecret(base, options.registrationSharedSecret, `benchreader_${suffix}`);

  const asSender = { token: options.asToken, query: { user_id: senderId } };
  const { room_id: roomId } = await matrixRequest<{ room_id: string }>(base, 'POST', '/_matrix/client/v3/createRoom', {
    ...asSender,
    body: { preset: 'private_chat', visibility: 'private', invite: [reader.user_id], creation_content: { 'm.federate': false } },
  });
  await matrixRequest(base, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: reader.access_token, body: {} });

  // Only this room's messages, as many per response as arrived (a limited timeline would skip some).
  const filterId = await roomTimelineFilter(base, reader, roomId, 1000);
  const sync = (since: string | undefined, timeout: number, signal?: AbortSignal) =>
    matrixRequest(base, 'GET', '/_matrix/client/v3/sync', {
      token: reader.access_token,
      query: { filter: filterId, timeout: String(timeout), ...(since ? { since } : {}) },
      signal,
    });

  let since: string = (await sync(undefined, 0)).next_batch;
  const abort = new AbortController();
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await sync(since, 30_000, abort.signal);
        since = response.next_batch;
        for (const event of response.rooms?.join?.[roomId]?.timeline?.events ?? []) {
          const id = event.content?.[CONTENT_CLIENT_ID];
          if (typeof id === 'string') deliveries.arrive(id);
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        options.log(`synapse /sync failed, retrying: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  return {
    name: 'synapse',
    async send(id, text) {
      await matrixRequest(base, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${id}`, {
        ...asSender,
        body: { msgtype: 'm.text', body: text, [CONTENT_CLIENT_ID]: id },
      });
    },
    async close() {
      abort.abort();
      await loop;
    },
  };
}
