import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../../src/shared/jwt-verifier.ts';

const secret = 'a-shared-secret-of-at-least-32-chars!!';
const key = new TextEncoder().encode(secret);
const verifier = new JwtVerifier({ secret, jwksUrl: undefined, issuer: 'platform', audience: 'chat' });

function token(claims: Record<string, unknown>, options: { exp?: string | null; alg?: string; iss?: string } = {}) {
  const jwt = new SignJWT({ role: 'artist', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject('u1')
    .setIssuer(options.iss ?? 'platform')
    .setAudience('chat');
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '5m');
  return jwt.sign(key);
}

describe('the handshake token', () => {
  it('accepts a valid token and reads sub, role, name and when it expires', async () => {
    const user = await verifier.verify(await token({ name: 'Bea' }));
    expect(user).toEqual({ userId: 'u1', role: 'artist', name: 'Bea', expiresAt: expect.any(Number) });
    expect(user.expiresAt).toBeGreaterThan(Date.now());
    expect(user.expiresAt % 1000).toBe(0);
  });

  it.each([
    ['expired', () => token({}, { exp: '-1m' })],
    ['without exp', () => token({}, { exp: null })],
    ['with an unknown role', () => token({ role: 'admin' })],
    ['signed with another algorithm', () => token({}, { alg: 'HS512' })],
    [
      'signed with another key',
      () =>
        new SignJWT({ role: 'artist' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u1')
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(40))),
    ],
    [
      'unsigned',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1","role":"artist","exp":9999999999}').toString('base64url')}.`,
    ],
    ['from another issuer', () => token({}, { iss: 'someone-else' })],
    ['garbage', async () => 'not-a-jwt'],
    ['missing', async () => undefined],
  ])('refuses a token %s', async (_label, make) => {
    await expect(verifier.verify(await make())).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('the handshake token against a key set URL', () => {
  async function serveKeySet(keys: object[]): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  async function signed(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({ role: 'artist' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject('u1')
      .setExpirationTime('5m')
      .sign(privateKey);
    return { jwt, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
  }

  it('is unavailable, not unauthorized, while the key set cannot be fetched', async () => {
    const keySet = await serveKeySet([]);
    await keySet.close();
    const remote = new JwtVerifier({ secret: undefined, jwksUrl: keySet.url, issuer: undefined, audience: undefined });
    await expect(remote.verify((await signed('k1')).jwt)).rejects.toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
  });

  it('accepts a token signed with a listed key and refuses one whose key is not listed', async () => {
    const listed = await signed('k1');
    const keySet = await serveKeySet([listed.jwk]);
    try {
      const remote = new JwtVerifier({ secret: undefined, jwksUrl: keySet.url, issuer: undefined, audience: undefined });
      expect(await remote.verify(listed.jwt)).toMatchObject({ userId: 'u1' });
      await expect(remote.verify((await signed('k2')).jwt)).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      await keySet.close();
    }
  });
});
