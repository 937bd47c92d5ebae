// A server admin's access token on the test Synapse, as the local stack provisions one for the
// bundled Synapse (shared-secret registration the first time, a login after): once per test process.
import { createHmac } from 'node:crypto';
import { inject } from 'vitest';
import { provisionAdmin } from '../../src/matrix/synapse-admin.ts';

let token: Promise<string> | undefined;

export function testAdminToken(): Promise<string> {
  const sharedSecret = inject('registrationSharedSecret');
  token ??= provisionAdmin({
    url: inject('synapseUrl'),
    sharedSecret,
    username: 'bookingchat_admin',
    password: createHmac('sha256', sharedSecret).update('test admin password').digest('base64url'),
  });
  return token;
}
