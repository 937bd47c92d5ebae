// The same reads straight from Synapse's client-server API, as an ordinary Matrix user in a
// real room: the first page of history (/messages, dir=b, no `from`: the newest events) and a
// client coming back online to `catchup` messages it missed. Synapse caps a /sync timeline at
// `filter_timeline_limit` (default 100) and marks it limited, so a client that wants them all
// does what matrix-js-sdk does to fill a gap: /sync, then /messages backwards from the
// timeline's prev_batch down to its old token.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { matrixRequest, registerAppserviceUser, registerWithSharedSecret, roomTimelineFilter } from './matrix.ts';
import { expectCount, type ReadProbe } from './reads.ts';
import { nextMessage } from './workload.ts';

export interface SynapseReadsOptions {
  synapseUrl: string;
  serverName: string;
  asToken: string;
  registrationSharedSecret: string;
  historyLimit: number;
  catchup: number;
  /** Sends in flight while filling the room. */
  concurrency: number;
}

export interface SynapseReads {
  history: ReadProbe;
  /** /sync since a token, then /messages to fill the gap: a Matrix client coming back online. */
  catchup: ReadProbe;
  /** /messages dir=f from the same token: paging forwards through one room instead. */
  catchupMessages: ReadProbe;
  fillSeconds: number;
}

export const SYNAPSE_READ_MEASURES = {
  history: 'GET /rooms/{id}/messages?dir=b&limit=50 (no from: the newest page) as an ordinary user, in a room of 1,000+ messages',
  catchup:
    "GET /sync?since=<token held before the 1,000 messages> (filter: that room, m.room.message, timeline limit 1000, which Synapse caps at its filter_timeline_limit, 100): the newest 100, limited=true; then GET /rooms/{id}/messages?dir=b&from=<prev_batch>&to=<since>&limit=1000 for the other 900. Two requests, as a Matrix client fills a sync gap. The /sync timeout parameter varies per call so that Synapse's 2-minute /sync response cache never answers",
  catchup_messages_api:
    'one GET /rooms/{id}/messages?dir=f&from=<the same token>&limit=1000 (filter: m.room.message): the cheapest way for a client that already knows which room changed',
};

export async function startSynapseReads(options: SynapseReadsOptions): Promise<SynapseReads> {
  const base = options.synapseUrl;
  const suffix = randomBytes(4).toString('hex');
  const senderId = `@app_benchread_${suffix}:${options.serverName}`;
  await registerAppserviceUser(base, options.asToken, `app_benchread_${suffix}`);
  const reader = await registerWithSharedSecret(base, options.registrationSharedSecret, `benchreads_${suffix}`);
  const asSender = { token: options.asToken, query: { user_id: senderId } };
  const { room_id: roomId } = await matrixRequest<{ room_id: string }>(base, 'POST', '/_matrix/client/v3/createRoom', {
    ...asSender,
    body: { preset: 'private_chat', visibility: 'private', invite: [reader.user_id], creation_content: { 'm.federate': false } },
  });
  const room = encodeURIComponent(roomId);
  await matrixRequest(base, 'POST', `/_matrix/client/v3/join/${room}`, { token: reader.access_token, body: {} });

  const filterId = await roomTimelineFilter(base, reader, roomId, options.catchup);
  const { next_batch: since } = await matrixRequest<{ next_batch: string }>(base, 'GET', '/_matrix/client/v3/sync', {
    token: reader.access_token,
    query: { filter: filterId, timeout: '0' },
  });

  const started = performance.now();
  let next = 0;
  const send = async () => {
    while (next < options.catchup) {
      const { id, text } = nextMessage(next++);
      await matrixRequest(base, 'PUT', `/_matrix/client/v3/rooms/${room}/send/m.room.message/${id}`, {
        ...asSender,
        body: { msgtype: 'm.text', body: text },
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, send));
  const fillSeconds = (performance.now() - started) / 1000;

  const read = { token: reader.access_token };
  const messagesOnly = JSON.stringify({ types: ['m.room.message'] });
  // Part of Synapse's /sync cache key: a fresh value per call keeps every call a real one.
  let syncCalls = 0;
  return {
    fillSeconds,
    history: {
      name: 'synapse /messages',
      async call() {
        const page = await matrixRequest(base, 'GET', `/_matrix/client/v3/rooms/${room}/messages`, {
          ...read,
          query: { dir: 'b', limit: String(options.historyLimit) },
        });
        // Synapse may answer a page short (seen once in a loaded run: 49 of 50); not a failure.
        const events = page.chunk?.length ?? 0;
        if (events < options.historyLimit * 0.9) throw new Error(`${events} events instead of ${options.historyLimit}`);
      },
    },
    catchup: {
      name: 'synapse /sync + gap',
      async call() {
        const response = await matrixRequest(base, 'GET', '/_matrix/client/v3/sync', {
          ...read,
          query: { filter: filterId, since, timeout: String(30_000 + syncCalls++) },
        });
        const timeline = response.rooms?.join?.[roomId]?.timeline;
        let events = timeline?.events?.length ?? 0;
        if (timeline?.limited) {
          const gap = await matrixRequest(base, 'GET', `/_matrix/client/v3/rooms/${room}/messages`, {
            ...read,
            query: { dir: 'b', from: timeline.prev_batch, to: since, limit: String(options.catchup), filter: messagesOnly },
          });
          events += gap.chunk?.length ?? 0;
        }
        expectCount('events', events, options.catchup);
      },
    },
    catchupMessages: {
      name: 'synapse /messages dir=f',
      async call() {
        const page = await matrixRequest(base, 'GET', `/_matrix/client/v3/rooms/${room}/messages`, {
          ...read,
          query: { dir: 'f', from: since, limit: String(options.catchup), filter: messagesOnly },
        });
        expectCount('events', page.chunk?.length ?? 0, options.catchup);
      },
    },
  };
}
