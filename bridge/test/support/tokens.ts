// JWTs as the platform's auth service would issue them.
import { SignJWT } from 'jose';
import { TEST_JWT_SECRET } from './bridge.ts';

export interface TokenOptions {
  role?: 'customer' | 'artist';
  name?: string;
  expiresIn?: string;
  secret?: string;
  claims?: Record<string, unknown>;
}

export async function tokenFor(userId: string, options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ role: options.role ?? 'customer', name: options.name ?? userId, ...options.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt();
  jwt.setExpirationTime(options.expiresIn ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
