// Verifies the platform's JWTs (RFC 8725): pinned algorithms, `exp` required, `iss`/`aud`
// checked when configured. HS256 with a shared secret, or asymmetric keys from a JWKS URL.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Config } from '../config/config.ts';
import { AppError } from '../protocol/errors.ts';
import { roleSchema, userIdSchema } from '../protocol/schemas.ts';
import type { SocketData } from '../protocol/events.ts';

const claimsSchema = z.object({
  sub: userIdSchema,
  role: roleSchema,
  name: z.string().trim().min(1).max(100).optional(),
});

export type TokenUser = SocketData;

export class JwtVerifier {
  private readonly verifyToken: (token: string) => Promise<JWTPayload>;

  constructor(jwt: Config['jwt']) {
    const options = {
      issuer: jwt.issuer,
      audience: jwt.audience,
      requiredClaims: ['exp', 'sub'],
    };
    if (jwt.jwksUrl) {
      const keys = keySetOrUnavailable(createRemoteJWKSet(new URL(jwt.jwksUrl)));
      const algorithms = ['RS256', 'ES256', 'EdDSA'];
      this.verifyToken = async (token) => (await jwtVerify(token, keys, { ...options, algorithms })).payload;
    } else if (jwt.secret) {
      const key = new TextEncoder().encode(jwt.secret);
      this.verifyToken = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
    } else {
      throw new Error('JWT_SECRET or JWT_JWKS_URL is required');
    }
  }

  async verify(token: unknown): Promise<TokenUser> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      throw new AppError('unauthorized', 'a token is required');
    }
    let payload: JWTPayload;
    try {
      payload = await this.verifyToken(token);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('unauthorized', 'invalid or expired token');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AppError('unauthorized', 'the token lacks a valid sub or role');
    // `exp` is required by the verification above.
    const expiresAt = payload.exp! * 1000;
    return { userId: claims.data.sub, role: claims.data.role, name: claims.data.name ?? claims.data.sub, expiresAt };
  }
}

/**
 * A key set that cannot be fetched (unreachable, slow, or answering garbage) says nothing about
 * the token: the app must retry, not sign in again. Only "no key for this token" is the token's fault.
 */
function keySetOrUnavailable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new AppError('unavailable', 'cannot check tokens right now; retry later', 5);
    }
  };
}
