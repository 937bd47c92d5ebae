// Prints an app token for the embedded defaults: `npm run token -- <userId> [customer|artist] [name]`.
// Signed with the generated JWT secret in .local/secrets.json (never in production).
import { SignJWT } from 'jose';
import { loadOrCreateSecrets } from '../bridge/src/stack/secrets.ts';

const [userId, role = 'customer', name = userId] = process.argv.slice(2);
if (!userId || !['customer', 'artist'].includes(role)) {
  process.stderr.write('usage: npm run token -- <userId> [customer|artist] [name]\n');
  process.exit(2);
}
const secret = process.env.JWT_SECRET ?? loadOrCreateSecrets(process.env.DATA_DIR ?? '.local').jwtSecret;
const token = await new SignJWT({ role, name })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(userId)
  .setIssuedAt()
  .setExpirationTime('12h')
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
