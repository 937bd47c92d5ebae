// A local push service (RFC 8030) over HTTPS on 127.0.0.1, standing in for the browser vendors'
// ones. It hands out subscriptions the way a browser would (a P-256 key pair and a 16-byte auth
// secret per subscription), checks each push's VAPID authorization (RFC 8292), decrypts its
// aes128gcm payload (RFC 8188, RFC 8291) with the subscription's private key, and records the
// plaintext. It can be told to answer a subscription with an error status (410 Gone, 429, ...).
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeCertificates } from './certificates.ts';

export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  endpoint: string;
  /** The decrypted payload. */
  plaintext: string;
  headers: IncomingMessage['headers'];
  /** The VAPID JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
  /** The answer the push service gave. */
  status: number;
}

export interface WebPushEndpoint {
  origin: string;
  /** Its host and port, as WEBPUSH_ALLOWED_HOSTS must list it (a loopback push service is never allowed by default). */
  allowedHost: string;
  /** The CA that signed its certificate (for NODE_EXTRA_CA_CERTS in bridge processes). */
  caFile: string;
  /** Trusts the push service's certificate (its throwaway CA only). */
  agent: Agent;
  /** A new subscription, bound to the application server's VAPID public key as a browser does. */
  subscribe(applicationServerKey: string): TestSubscription;
  /** Answer every later push to that subscription with this status (and Retry-After). */
  answer(endpoint: string, status: number, retryAfter?: string): void;
  received: ReceivedPush[];
  /** Pushes refused for a bad VAPID authorization or an undecryptable body. */
  rejected: { endpoint: string; status: number; why: string }[];
  close(): Promise<void>;
}

interface Subscriber {
  ecdh: ECDH;
  auth: Buffer;
  applicationServerKey: string;
  answer?: { status: number; retryAfter?: string };
}

class Rejection extends Error {
  readonly status: number;
  constructor(status: number, why: string) {
    super(why);
    this.status = status;
  }
}

export async function startWebPushEndpoint(): Promise<WebPushEndpoint> {
  const certs = makeCertificates();
  const subscribers = new Map<string, Subscriber>();
  const received: ReceivedPush[] = [];
  const rejected: WebPushEndpoint['rejected'] = [];
  let origin = '';

  const handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const endpoint = `${origin}${request.url}`;
    const subscriber = subscribers.get(endpoint);
    try {
      if (request.method !== 'POST' || !subscriber) throw new Rejection(404, 'no such subscription');
      const claims = checkVapid(request.headers.authorization, origin, subscriber.applicationServerKey);
      if (request.headers['content-encoding'] !== 'aes128gcm') throw new Rejection(415, 'not aes128gcm');
      if (!/^\d+$/.test(String(request.headers.ttl))) throw new Rejection(400, 'TTL header missing');
      const plaintext = decryptAes128gcm(body, subscriber.ecdh, subscriber.auth).toString('utf8');
      const status = subscriber.answer?.status ?? 201;
      received.push({ endpoint, plaintext, headers: request.headers, claims, status });
      const retryAfter = subscriber.answer?.retryAfter;
      response.writeHead(status, {
        ...(status === 201 ? { location: `${origin}/message/${randomBytes(8).toString('hex')}` } : {}),
        ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
      });
      response.end();
    } catch (error) {
      const status = error instanceof Rejection ? error.status : 400;
      rejected.push({ endpoint, status, why: (error as Error).message });
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end((error as Error).message);
    }
  };

  const server: Server = createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: certs.ca, keepAlive: false });

  return {
    origin,
    allowedHost: new URL(origin).host,
    caFile: certs.caFile,
    agent,
    received,
    rejected,
    subscribe(applicationServerKey) {
      const ecdh = createECDH('prime256v1');
      const p256dh = ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${origin}/push/${randomBytes(16).toString('base64url')}`;
      subscribers.set(endpoint, { ecdh, auth, applicationServerKey });
      return { endpoint, keys: { p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(endpoint, status, retryAfter) {
      const subscriber = subscribers.get(endpoint);
      if (!subscriber) throw new Error(`unknown subscription ${endpoint}`);
      subscriber.answer = { status, ...(retryAfter === undefined ? {} : { retryAfter }) };
    },
    close() {
      agent.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 8292: `Authorization: vapid t=<ES256 JWT>, k=<P-256 public key>`. */
function checkVapid(header: string | undefined, audience: string, expectedKey: string): ReceivedPush['claims'] {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) throw new Rejection(401, 'no VAPID authorization');
  const [token, key] = [match[1], match[2]];
  // RFC 8292 §4.2: a subscription made with an application server key only takes pushes signed by it.
  if (key !== expectedKey) throw new Rejection(403, "VAPID key differs from the subscription's");
  const [header64, payload64, signature64] = token.split('.');
  if (!header64 || !payload64 || !signature64) throw new Rejection(401, 'malformed VAPID token');
  const jwtHeader = JSON.parse(Buffer.from(header64, 'base64url').toString()) as { alg?: string };
  if (jwtHeader.alg !== 'ES256') throw new Rejection(401, 'VAPID token is not ES256');
  const signed = verify(
    'sha256',
    Buffer.from(`${header64}.${payload64}`),
    { key: p256PublicKey(key), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature64, 'base64url'),
  );
  if (!signed) throw new Rejection(403, 'bad VAPID signature');
  const claims = JSON.parse(Buffer.from(payload64, 'base64url').toString()) as ReceivedPush['claims'];
  if (claims.aud !== audience) throw new Rejection(403, 'VAPID audience is not this push service');
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Rejection(403, 'VAPID token expired or too long-lived');
  if (!/^(mailto:|https:)/.test(String(claims.sub))) throw new Rejection(403, 'VAPID subject is not a contact');
  return claims;
}

function p256PublicKey(raw64: string) {
  const raw = Buffer.from(raw64, 'base64url');
  if (raw.length !== 65 || raw[0] !== 0x04) throw new Rejection(401, 'VAPID key is not an uncompressed P-256 point');
  return createPublicKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
  });
}

/**
 * RFC 8188 aes128gcm content coding with the RFC 8291 Web Push key derivation:
 * header = salt(16) | rs(4) | idlen(1) | keyid (the sender's ephemeral P-256 public key).
 */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Rejection(400, 'body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  if (idLength !== 65 || recordSize < 18) throw new Rejection(400, 'bad aes128gcm header');
  const receiverKey = receiver.getPublicKey();
  const sharedSecret = receiver.computeSecret(senderKey);
  // RFC 8291 §3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', sharedSecret, authSecret, keyInfo, 32));
  // RFC 8188 §2.2 and §2.3: the content-encryption key and the nonce base.
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonceBase = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));

  const records = body.subarray(21 + idLength);
  const plaintexts: Buffer[] = [];
  for (let offset = 0, sequence = 0; offset < records.length; offset += recordSize, sequence += 1) {
    const record = records.subarray(offset, offset + recordSize);
    const last = offset + recordSize >= records.length;
    plaintexts.push(unpad(openRecord(record, cek, nonceFor(nonceBase, sequence)), last));
  }
  return Buffer.concat(plaintexts);
}

function nonceFor(base: Buffer, sequence: number): Buffer {
  // The record sequence number XORed into the low end of the 96-bit nonce (fits in 32 bits here).
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
  return nonce;
}

function openRecord(record: Buffer, key: Buffer, nonce: Buffer): Buffer {
  if (record.length <= 16) throw new Rejection(400, 'record shorter than its tag');
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  try {
    return Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  } catch {
    throw new Rejection(400, "payload does not decrypt with the subscription's keys");
  }
}

/** RFC 8188 §2: data, then a delimiter (0x02 in the last record, 0x01 before), then zeros. */
function unpad(plaintext: Buffer, last: boolean): Buffer {
  let end = plaintext.length - 1;
  while (end >= 0 && plaintext[end] === 0) end -= 1;
  if (end < 0 || plaintext[end] !== (last ? 2 : 1)) throw new Rejection(400, 'bad record padding');
  return plaintext.subarray(0, end);
}
