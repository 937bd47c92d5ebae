// The admin API client erasure relies on, against the real test Synapse.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { provisionAdmin, SynapseAdmin } from '../../src/matrix/synapse-admin.ts';
import { startStaffClient } from '../support/matrix-staff.ts';

const base = () => inject('synapseUrl');

async function upload(token: string): Promise<string> {
  const response = await fetch(`${base()}/_matrix/media/v3/upload?filename=a.txt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: 'hello',
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { content_uri: string }).content_uri;
}

describe('Synapse admin access', () => {
  it('provisions an admin account once and logs in to it at every later start', async () => {
    const account = {
      url: base(),
      sharedSecret: inject('registrationSharedSecret'),
      username: `admin_${randomBytes(4).toString('hex')}`,
      password: randomBytes(12).toString('hex'),
    };
    const first = await provisionAdmin(account);
    const second = await provisionAdmin(account);
    expect(second).not.toBe(first);
    expect(await new SynapseAdmin(base(), first).isAdmin()).toBe(true);
    expect(await new SynapseAdmin(base(), second).isAdmin()).toBe(true);
    await expect(provisionAdmin({ ...account, password: 'wrong' })).rejects.toThrow(/403/);
  });

  it('knows a token that is not an admin’s', async () => {
    const staff = await startStaffClient();
    try {
      expect(await new SynapseAdmin(base(), staff.client.getAccessToken()!).isAdmin()).toBe(false);
      expect(await new SynapseAdmin(base(), 'not-a-token').isAdmin()).toBe(false);
    } finally {
      staff.stop();
    }
  });

  it('deletes media, and media that is not there counts as done', async () => {
    const token = await provisionAdmin({
      url: base(),
      sharedSecret: inject('registrationSharedSecret'),
      username: `admin_${randomBytes(4).toString('hex')}`,
      password: 'pw',
    });
    const admin = new SynapseAdmin(base(), token);
    const mxc = await upload(token);
    expect(await admin.deleteMedia(mxc)).toBe('deleted');
    expect(await admin.deleteMedia(mxc)).toBe('absent');
    expect(await admin.deleteMedia(`mxc://${inject('serverName')}/nothingHere`)).toBe('absent');
    const [, server, mediaId] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc)!;
    const download = await fetch(`${base()}/_matrix/client/v1/media/download/${server}/${mediaId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(download.status).toBe(404);
  });

  it('deletes every piece of media a user uploaded, and deactivates the user (again and again)', async () => {
    const staff = await startStaffClient();
    staff.stop();
    const userToken = staff.client.getAccessToken()!;
    const mxcs = [await upload(userToken), await upload(userToken)];
    const admin = new SynapseAdmin(
      base(),
      await provisionAdmin({
        url: base(),
        sharedSecret: inject('registrationSharedSecret'),
        username: `admin_${randomBytes(4).toString('hex')}`,
        password: 'pw',
      }),
    );
    expect(await admin.deleteUserMedia(staff.userId)).toBe(2);
    expect(await admin.deleteUserMedia(staff.userId)).toBe(0);
    expect(await admin.deleteMedia(mxcs[0]!)).toBe('absent');
    expect(await admin.deactivate(staff.userId)).toBe('deactivated');
    expect(await admin.deactivate(staff.userId)).toBe('deactivated');
    const whoami = await fetch(`${base()}/_matrix/client/v3/account/whoami`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(whoami.status).toBe(401);
    expect(await admin.deactivate(`@nobody_${randomBytes(4).toString('hex')}:${inject('serverName')}`)).toBe('absent');
    expect(await admin.deleteUserMedia(`@nobody_${randomBytes(4).toString('hex')}:${inject('serverName')}`)).toBe(0);
  });
});
