// A local stand-in for the two Google endpoints firebase-admin talks to when it sends a push:
// the OAuth2 token endpoint (https://oauth2.googleapis.com/token, JWT-bearer grant) and the FCM
// HTTP v1 API (https://fcm.googleapis.com/v1/projects/{project}/messages:send). It serves both
// over HTTPS on 127.0.0.1 with a certificate for those two names, signed by a throwaway CA.
// `agent` sends every connection there while TLS still verifies the name against that CA, so
// firebase-admin's own code runs unchanged: only the network is fake.
import { createVerify, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ClientRequestArgs, IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { issueCertificate, makeCertificates } from './certificates.ts';

export const OAUTH_HOST = 'oauth2.googleapis.com';
export const FCM_HOST = 'fcm.googleapis.com';
const TOKEN_AUDIENCE = `https://${OAUTH_HOST}/token`;
const MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** The FCM v1 error answers the stand-in can give (FCM v1 `ErrorCode` reference). */
export type FcmFailure = 'UNREGISTERED' | 'INVALID_TOKEN' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL';

export interface FailureOptions {
  /** The Retry-After header to send, in seconds or as an HTTP-date. */
  retryAfter?: string;
  /** How many requests for that token fail before it works again; every one when left out. */
  times?: number;
}

export interface ReceivedFcmMessage {
  projectId: string;
  /** The `message` object of the v1 request body. */
  message: Record<string, unknown> & { token?: string };
  headers: IncomingMessage['headers'];
  /** The TLS server name the client asked for (SNI), i.e. the host it believes it reached. */
  servername: string | false;
  /** The answer the stand-in gave. */
  status: number;
  /** performance.now() when the request arrived (the benchmark's push latency). */
  at: number;
}

export interface FcmStandIn {
  projectId: string;
  clientEmail: string;
  /** A service-account key file's JSON, with a real RSA key made for this run. */
  serviceAccountJson: string;
  /** The same, written to a file in the run's temporary folder. */
  serviceAccountFile: string;
  /** Routes fcm.googleapis.com and oauth2.googleapis.com to the stand-in, verifying TLS. */
  agent: Agent;
  /** Every messages:send request that carried a valid access token, in order. */
  received: ReceivedFcmMessage[];
  /** How many access tokens the token endpoint issued. */
  tokensIssued(): number;
  /** Requests refused because of a missing or unknown bearer token. */
  unauthorized(): number;
  failFor(token: string, failure: FcmFailure, options?: FailureOptions): void;
  close(): Promise<void>;
}

const FAILURES: Record<FcmFailure, { code: number; status: string; errorCode: string; message: string }> = {
  UNREGISTERED: { code: 404, status: 'NOT_FOUND', errorCode: 'UNREGISTERED', message: 'Requested entity was not found.' },
  INVALID_TOKEN: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    errorCode: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
  },
  QUOTA_EXCEEDED: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    errorCode: 'QUOTA_EXCEEDED',
    message: 'Sending limit exceeded for the message target.',
  },
  UNAVAILABLE: { code: 503, status: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { code: 500, status: 'INTERNAL', errorCode: 'INTERNAL', message: 'Internal error encountered.' },
};

export async function startFcmStandIn(): Promise<FcmStandIn> {
  const projectId = `booking-chat-test-${randomBytes(3).toString('hex')}`;
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountJson = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: clientEmail,
    client_id: String(Date.now()),
    token_uri: TOKEN_AUDIENCE,
  });

  const tls = googleCertificate();
  const serviceAccountFile = join(tls.dir, 'service-account.json');
  writeFileSync(serviceAccountFile, serviceAccountJson, { mode: 0o600 });
  const issued = new Set<string>();
  const failures = new Map<string, { failure: FcmFailure; options: FailureOptions }>();
  const received: ReceivedFcmMessage[] = [];
  let refused = 0;

  const verifyAssertion = (assertion: string): string | undefined => {
    const [header, payload, signature] = assertion.split('.');
    if (!header || !payload || !signature) return 'malformed assertion';
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(keys.publicKey, Buffer.from(signature, 'base64url'))) return 'bad signature';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    if (claims.iss !== clientEmail) return 'unknown issuer';
    if (claims.aud !== TOKEN_AUDIENCE) return 'wrong audience';
    if (!String(claims.scope).split(' ').includes(MESSAGING_SCOPE)) return 'messaging scope missing';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'expired assertion';
    return undefined;
  };

  const issueToken = (body: string, response: ServerResponse) => {
    const form = new URLSearchParams(body);
    const problem =
      form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer'
        ? 'unsupported grant type'
        : verifyAssertion(form.get('assertion') ?? '');
    if (problem) return json(response, 400, { error: 'invalid_grant', error_description: problem });
    const accessToken = `ya29.test-${randomBytes(24).toString('base64url')}`;
    issued.add(accessToken);
    json(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  };

  const acceptMessage = (request: IncomingMessage, body: string, response: ServerResponse) => {
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.url ?? '');
    if (!match || request.method !== 'POST') return googleError(response, 404, 'NOT_FOUND', 'Not found.');
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) {
      refused += 1;
      return googleError(response, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    if (match[1] !== projectId) return googleError(response, 403, 'PERMISSION_DENIED', 'The caller does not have permission');
    const { message } = JSON.parse(body) as { message: ReceivedFcmMessage['message'] };
    const planned = message.token === undefined ? undefined : failures.get(message.token);
    const servername = (request.socket as TLSSocket).servername ?? false;
    const entry: ReceivedFcmMessage = {
      projectId: match[1],
      message,
      headers: request.headers,
      servername,
      status: 200,
      at: performance.now(),
    };
    received.push(entry);
    if (planned && message.token !== undefined) {
      const { failure, options } = planned;
      if (options.times !== undefined) {
        options.times -= 1;
        if (options.times <= 0) failures.delete(message.token);
      }
      const spec = FAILURES[failure];
      entry.status = spec.code;
      const headers: Record<string, string> = options.retryAfter === undefined ? {} : { 'retry-after': options.retryAfter };
      return json(
        response,
        spec.code,
        {
          error: {
            code: spec.code,
            message: spec.message,
            status: spec.status,
            details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: spec.errorCode }],
          },
        },
        headers,
      );
    }
    json(response, 200, { name: `projects/${projectId}/messages/${randomUUID()}` });
  };

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const host = (request.headers.host ?? '').replace(/:\d+$/, '');
      if (host === OAUTH_HOST && request.method === 'POST' && request.url === '/token') return issueToken(body, response);
      if (host === FCM_HOST) return acceptMessage(request, body, response);
      googleError(response, 404, 'NOT_FOUND', `no such endpoint: ${host}${request.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = routingAgent(port, tls.ca);

  return {
    projectId,
    clientEmail,
    serviceAccountJson,
    serviceAccountFile,
    agent,
    received,
    tokensIssued: () => issued.size,
    unauthorized: () => refused,
    failFor: (token, failure, options = {}) => void failures.set(token, { failure, options: { ...options } }),
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An https.Agent whose every connection goes to 127.0.0.1:port, whatever host the URL names,
 * with SNI and certificate checks still made against that host name and trusting only `ca`.
 */
export function routingAgent(port: number, ca: Buffer): Agent {
  class RoutingAgent extends Agent {
    override createConnection(options: ClientRequestArgs) {
      const servername = (options as { servername?: string }).servername ?? options.hostname ?? options.host ?? undefined;
      return connect({ host: '127.0.0.1', port, servername: servername ?? undefined, ca });
    }
  }
  return new RoutingAgent({ keepAlive: false });
}

/** A server certificate for the two Google host names, signed by a throwaway test CA. */
function googleCertificate(): { dir: string; key: Buffer; cert: Buffer; ca: Buffer } {
  const certs = makeCertificates();
  const google = issueCertificate(certs.dir, 'google', [`DNS:${FCM_HOST}`, `DNS:${OAUTH_HOST}`]);
  return { dir: certs.dir, key: readFileSync(google.keyFile), cert: readFileSync(google.certFile), ca: certs.ca };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

function googleError(response: ServerResponse, code: number, status: string, message: string): void {
  json(response, code, { error: { code, message, status } });
}
