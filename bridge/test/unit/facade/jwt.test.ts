import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../../src/facade/jwt.ts';

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
  it('accepts a valid token and reads sub, role and name', async () => {
    expect(await verifier.verify(await token({ name: 'Bea' }))).toEqual({ userId: 'u1', role: 'artist', name: 'Bea' });
  });

  it.each([
    ['expired', () => token({}, { exp: '-1m' })],
    ['without exp', () => token({}, { exp: null })],
    ['with an unknown role', () => token({ role: 'admin' })],
    ['signed with another algorithm', () => token({}, { alg: 'HS512' })],
    ['signed with another key', () => new SignJWT({ role: 'artist' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40)))],
    ['unsigned', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1","role":"artist","exp":9999999999}').toString('base64url')}.`],
    ['from another issuer', () => token({}, { iss: 'someone-else' })],
    ['garbage', async () => 'not-a-jwt'],
    ['missing', async () => undefined],
  ])('refuses a token %s', async (_label, make) => {
    await expect(verifier.verify(await make())).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
