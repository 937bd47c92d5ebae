// Outbound side of the appservice: acts on Synapse as the bot or as an app user, through
// matrix-appservice-bridge's intents. Inbound transactions are handled in transactions.ts.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { AppServiceRegistration, Bridge, type Intent } from 'matrix-appservice-bridge';
import { MatrixIds } from './ids.ts';
import { roomEventSchema, type RoomEvent } from './room-event-schema.ts';

export interface HomeserverOptions {
  url: string;
  serverName: string;
  botLocalpart: string;
  registration: Record<string, unknown>;
  /** Called for each event of a /messages page that is not a well-formed room event (it is left out). */
  onMalformedEvent?: () => void;
}

/**
 * One page of room events, newest first. `received` counts what Synapse sent, malformed events
 * included, so that a page shortened by them does not read as the room's start.
 */
export interface RoomEventPage {
  events: RoomEvent[];
  received: number;
  end?: string;
}

export class Homeserver {
  readonly ids: MatrixIds;
  private readonly bridge: Bridge;
  private readonly appserviceId: string;
  private readonly url: string;
  private readonly asToken: string;
  private readonly onMalformedEvent: () => void;

  private constructor(bridge: Bridge, ids: MatrixIds, options: HomeserverOptions, appserviceId: string, asToken: string) {
    this.bridge = bridge;
    this.ids = ids;
    this.url = options.url;
    this.appserviceId = appserviceId;
    this.asToken = asToken;
    this.onMalformedEvent = options.onMalformedEvent ?? (() => undefined);
  }

  static async connect(options: HomeserverOptions): Promise<Homeserver> {
    const registration = AppServiceRegistration.fromObject(options.registration as never);
    if (!registration) throw new Error('the appservice registration is not valid');
    const bridge = new Bridge({
      homeserverUrl: options.url,
      domain: options.serverName,
      registration,
      disableStores: true,
      // Transactions do not come through the library (see transactions.ts): it would answer
      // Synapse before our read model has stored the events.
      controller: { onEvent: () => undefined },
    });
    await bridge.initialise();
    return new Homeserver(
      bridge,
      new MatrixIds(options.serverName, options.botLocalpart),
      options,
      registration.getId() ?? 'booking-chat',
      registration.getAppServiceToken() ?? '',
    );
  }

  /** Asks Synapse to ping this appservice, which also ends its backoff of failed transactions. */
  async pingAppservice(): Promise<void> {
    const path = `/_matrix/client/v1/appservice/${encodeURIComponent(this.appserviceId)}/ping`;
    await this.bot.matrixClient.doRequest('POST', path, null, {});
  }

  /**
   * One page of a room's m.room.message events, newest first, going back from `from` (a
   * pagination token) or, without it, from just before `beforeEventId` (or the room's end).
   */
  async messagesBefore(roomId: string, position: { from?: string; beforeEventId?: string }, limit: number): Promise<RoomEventPage> {
    let from = position.from;
    if (!from && position.beforeEventId) {
      const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/context/${encodeURIComponent(position.beforeEventId)}`;
      const context = await this.bot.matrixClient.doRequest('GET', path, { limit: 0 });
      from = context.start as string;
    }
    return this.pageBack(roomId, from, limit, ['m.room.message']);
  }

  /**
   * One page of a room's messages (edits among them), reactions and redactions, newest first,
   * going back from `from` (a pagination token) or the room's end.
   */
  async roomEventsBefore(roomId: string, from: string | undefined, limit: number): Promise<RoomEventPage> {
    return this.pageBack(roomId, from, limit, ['m.room.message', 'm.reaction', 'm.room.redaction']);
  }

  /** A page of /messages; anything that is not a well-formed room event is left out (and counted). */
  private async pageBack(roomId: string, from: string | undefined, limit: number, types: string[]): Promise<RoomEventPage> {
    const query: Record<string, string | number> = { dir: 'b', limit, filter: JSON.stringify({ types }) };
    if (from) query.from = from;
    const page = await this.bot.matrixClient.doRequest('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, query);
    const chunk: unknown[] = Array.isArray(page.chunk) ? page.chunk : [];
    const events = chunk.flatMap((raw) => {
      const parsed = roomEventSchema.safeParse(raw);
      if (!parsed.success) this.onMalformedEvent();
      return parsed.success ? [parsed.data] : [];
    });
    return { events, received: chunk.length, end: page.end };
  }

  /**
   * Fetches media from the homeserver's authenticated media API as the appservice (which may
   * read any media: callers check the requester's right to it first). The signal aborts the
   * request and its body.
   */
  async fetchMedia(
    server: string,
    mediaId: string,
    variant: 'image' | 'thumbnail',
    thumbnailSize: number,
    signal: AbortSignal,
  ): Promise<Response> {
    const path =
      variant === 'image'
        ? `download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`
        : `thumbnail/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}?width=${thumbnailSize}&height=${thumbnailSize}&method=scale`;
    return fetch(`${this.url}/_matrix/client/v1/media/${path}`, { headers: { authorization: `Bearer ${this.asToken}` }, signal });
  }

  async close(): Promise<void> {
    await this.bridge.close();
  }

  get bot(): Intent {
    return this.bridge.getIntent();
  }

  intentFor(platformUserId: string): Intent {
    return this.bridge.getIntent(this.ids.appUser(platformUserId));
  }

  /**
   * Sends an event with a transaction id derived from (sender, key), so a retry of the same
   * logical send is the same Matrix transaction and cannot create a second event.
   */
  async sendIdempotent(intent: Intent, roomId: string, key: string, type: string, content: Record<string, unknown>): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${transactionId(intent, key)}`;
    const response = await this.putAs(intent.userId, path, content);
    return response.event_id as string;
  }

  /** Redacts an event as this intent's user, once: a retry is the same Matrix transaction. Returns the redaction's event id. */
  async redactIdempotent(intent: Intent, roomId: string, eventId: string, reason?: string): Promise<string> {
    const txnId = transactionId(intent, `redact\n${eventId}`);
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${txnId}`;
    const response = await this.putAs(intent.userId, path, reason ? { reason } : {});
    return response.event_id as string;
  }

  /**
   * A PUT of JSON as this user (the appservice's `user_id` assertion), answered with JSON: the
   * road every message takes to Synapse, kept off the SDK's layers (the `request` library, its
   * per-request logging and metrics), which cost about a tenth of the bridge's CPU per message
   * (docs/operations.md). A refusal has the SDK's shape (statusCode, body with errcode) for
   * errors.ts; a connection failure is the socket's error (ECONNREFUSED, ...).
   */
  private putAs(userId: string, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const url = new URL(path, this.url);
    url.searchParams.set('user_id', userId);
    const payload = JSON.stringify(body);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        {
          method: 'PUT',
          agent: secure ? HTTPS_AGENT : HTTP_AGENT,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            authorization: `Bearer ${this.asToken}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let answer: Record<string, unknown>;
            try {
              answer = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              answer = {};
            }
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(answer);
            else reject(new HomeserverRefusal(status, answer));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer from the homeserver in ${REQUEST_TIMEOUT_MS} ms`)));
      request.on('error', reject);
      request.end(payload);
    });
  }
}

/** As long as the SDK waits for an answer. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Connections kept open to Synapse for the per-message requests (one process: Synapse serves them in turn anyway). */
const MAX_SOCKETS = 64;
const HTTP_AGENT = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
const HTTPS_AGENT = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

/** Synapse answered, but not 2xx: shaped as the SDK's failures are (errors.ts reads statusCode and body). */
export class HomeserverRefusal extends Error {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  readonly errcode: string | undefined;

  constructor(statusCode: number, body: Record<string, unknown>) {
    const errcode = typeof body.errcode === 'string' ? body.errcode : undefined;
    super(`homeserver answered ${statusCode}${errcode ? ` ${errcode}` : ''}`);
    this.statusCode = statusCode;
    this.body = body;
    this.errcode = errcode;
  }
}

/** The same (sender, key) is always the same transaction id. */
function transactionId(intent: Intent, key: string): string {
  return createHash('sha256').update(`${intent.userId}\n${key}`).digest('base64url').slice(0, 32);
}
