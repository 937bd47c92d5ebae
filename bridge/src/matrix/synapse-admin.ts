// Synapse's admin API, for what the appservice's as_token may not do: delete media from the media
// repository and deactivate (and GDPR-erase) a Matrix account. It needs a server admin's access
// token: SYNAPSE_ADMIN_TOKEN for an external homeserver; the bundled one gets an admin account
// provisioned through the shared-secret registration API (`provisionAdmin`, called by the local stack).
import { createHmac } from 'node:crypto';

/** A request to the homeserver that did not succeed; `status` and `errcode` say why. */
export class SynapseAdminError extends Error {
  readonly status: number;
  readonly errcode: string | undefined;

  constructor(what: string, status: number, errcode: string | undefined, detail: string) {
    super(`${what}: ${status} ${errcode ?? ''} ${detail}`.trim());
    this.status = status;
    this.errcode = errcode;
  }
}

async function call(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (!response.ok) {
    const errcode = typeof body.errcode === 'string' ? body.errcode : undefined;
    throw new SynapseAdminError(what, response.status, errcode, typeof body.error === 'string' ? body.error : '');
  }
  return body;
}

/** `mxc://server/mediaId` → its parts, or undefined when it is not one. */
export function parseMxc(mxc: string): { server: string; mediaId: string } | undefined {
  const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(mxc);
  return match ? { server: match[1]!, mediaId: match[2]! } : undefined;
}

export class SynapseAdmin {
  private readonly url: string;
  private readonly token: string;

  constructor(url: string, token: string) {
    this.url = url.replace(/\/+$/, '');
    this.token = token;
  }

  private request(method: string, path: string, what: string, body?: unknown): Promise<Record<string, unknown>> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}` } };
    if (body !== undefined) init.body = JSON.stringify(body);
    return call(`${this.url}${path}`, init, what);
  }

  /** Whether the token belongs to a server admin (false when Synapse refuses it: not an admin, or not a valid token). */
  async isAdmin(): Promise<boolean> {
    try {
      const { user_id } = await this.request('GET', '/_matrix/client/v3/account/whoami', 'whoami');
      const path = `/_synapse/admin/v1/users/${encodeURIComponent(String(user_id))}/admin`;
      return (await this.request('GET', path, 'admin check')).admin === true;
    } catch (error) {
      if (error instanceof SynapseAdminError && (error.status === 401 || error.status === 403)) return false;
      throw error;
    }
  }

  /** Deletes one piece of media of this homeserver. Media that is not there (any more) counts as done. */
  async deleteMedia(mxc: string): Promise<'deleted' | 'absent'> {
    const parts = parseMxc(mxc);
    if (!parts) return 'absent';
    const path = `/_synapse/admin/v1/media/${encodeURIComponent(parts.server)}/${encodeURIComponent(parts.mediaId)}`;
    try {
      await this.request('DELETE', path, 'delete media');
      return 'deleted';
    } catch (error) {
      if (error instanceof SynapseAdminError && error.status === 404) return 'absent';
      throw error;
    }
  }

  /** Deletes every piece of media a local user uploaded, a page at a time; returns how many. An unknown user has none. */
  async deleteUserMedia(matrixUserId: string): Promise<number> {
    const path = `/_synapse/admin/v1/users/${encodeURIComponent(matrixUserId)}/media?limit=100`;
    let deleted = 0;
    for (;;) {
      let total: number;
      try {
        total = Number((await this.request('DELETE', path, 'delete user media')).total ?? 0);
      } catch (error) {
        if (error instanceof SynapseAdminError && error.status === 404) return deleted;
        throw error;
      }
      deleted += total;
      if (total === 0) return deleted;
    }
  }

  /**
   * Deactivates a local account and marks it erased (Synapse then serves its events redacted to
   * anyone who joins later; it leaves every room). Safe to repeat; an account Synapse never
   * created counts as done.
   */
  async deactivate(matrixUserId: string): Promise<'deactivated' | 'absent'> {
    try {
      await this.request('POST', `/_synapse/admin/v1/deactivate/${encodeURIComponent(matrixUserId)}`, 'deactivate', { erase: true });
      return 'deactivated';
    } catch (error) {
      if (error instanceof SynapseAdminError && error.status === 404) return 'absent';
      throw error;
    }
  }
}

export interface AdminAccount {
  /** The homeserver's client-server API. */
  url: string;
  /** Synapse's registration_shared_secret. */
  sharedSecret: string;
  username: string;
  password: string;
}

/** One device for every login of the admin account, so restarts do not pile up devices. */
const ADMIN_DEVICE_ID = 'BOOKINGCHAT_BRIDGE';

/**
 * An access token of a server admin: registers the account through the shared-secret registration
 * API the first time, and logs in to it every time after (M_USER_IN_USE), so it is safe at every start.
 */
export async function provisionAdmin(account: AdminAccount): Promise<string> {
  const base = account.url.replace(/\/+$/, '');
  const registerUrl = `${base}/_synapse/admin/v1/register`;
  const { nonce } = await call(registerUrl, { method: 'GET' }, 'registration nonce');
  const mac = createHmac('sha1', account.sharedSecret)
    .update(`${String(nonce)}\0${account.username}\0${account.password}\0admin`)
    .digest('hex');
  try {
    const registered = await call(
      registerUrl,
      { method: 'POST', body: JSON.stringify({ nonce, username: account.username, password: account.password, admin: true, mac }) },
      'register admin',
    );
    return String(registered.access_token);
  } catch (error) {
    if (!(error instanceof SynapseAdminError && error.errcode === 'M_USER_IN_USE')) throw error;
  }
  const login = await call(
    `${base}/_matrix/client/v3/login`,
    {
      method: 'POST',
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: account.username },
        password: account.password,
        device_id: ADMIN_DEVICE_ID,
        initial_device_display_name: 'booking-chat bridge',
      }),
    },
    'admin login',
  );
  return String(login.access_token);
}
