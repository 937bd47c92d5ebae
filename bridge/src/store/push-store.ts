// Devices, muted chats and the push queue (filled with the outbox's settling, outbox-store.ts;
// claimed with SKIP LOCKED, so any number of bridge processes share the work and no job is sent
// twice at once).
import { randomUUID } from 'node:crypto';
import type { Database } from './database.ts';
import { runPrepared, type PreparedStatement } from './prepared.ts';
import type { PushMessage } from './rows.ts';

const MUTED_AMONG: PreparedStatement = {
  name: 'chat_mutes_muted_among',
  text: 'SELECT user_id FROM chat_mutes WHERE booking_id = $1 AND user_id = ANY($2::text[]) AND (until IS NULL OR until > now())',
};

export interface DeviceRow {
  id: string;
  user_id: string;
  kind: 'fcm' | 'webpush';
  address: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } } | null;
}

export interface PushJobRow {
  id: string;
  device_id: string;
  message: PushMessage;
  attempts: number;
  kind: DeviceRow['kind'];
  address: string;
  subscription: DeviceRow['subscription'];
}

export class PushStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Registers a device and returns its id. The same token or endpoint registered again by the
   * same user keeps its id. Registered by another user, the phone changed hands: the previous
   * owner's device is removed and this user gets a new id (an id never passes from one account
   * to another). With `replaces`, that device of the user takes the new address instead (a
   * refreshed FCM token). Beyond `maxDevices` the user's least recently registered go.
   */
  async register(userId: string, device: Omit<DeviceRow, 'id' | 'user_id'>, maxDevices: number, replaces?: string): Promise<string> {
    const values = {
      user_id: userId,
      kind: device.kind,
      address: device.address,
      subscription: device.subscription ? JSON.stringify(device.subscription) : null,
    };
    return this.db.transaction(async (trx) => {
      // Two users registering one address at once: the second waits, then finds the first's row.
      await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`device:${device.kind}:${device.address}`]);
      await trx('devices').where({ kind: device.kind, address: device.address }).whereNot({ user_id: userId }).delete();
      let id: string | undefined;
      if (replaces) {
        await trx('devices').where({ kind: device.kind, address: device.address }).whereNot({ id: replaces }).delete();
        const [updated] = await trx('devices')
          .where({ id: replaces, user_id: userId })
          .update({ ...values, updated_at: trx.fn.now() })
          .returning('id');
        id = updated?.id;
      }
      if (!id) {
        const [row] = await trx('devices')
          .insert({ id: randomUUID(), ...values })
          .onConflict(['kind', 'address'])
          .merge(['subscription', 'updated_at'])
          .returning('id');
        id = row.id as string;
      }
      await trx('devices')
        .where({ user_id: userId })
        .whereNotIn(
          'id',
          trx('devices')
            .where({ user_id: userId })
            .orderBy([
              { column: 'updated_at', order: 'desc' },
              { column: 'created_at', order: 'desc' },
            ])
            .limit(maxDevices)
            .select('id'),
        )
        .delete();
      return id!;
    });
  }

  /** Idempotent: a device that is gone, or was never this user's, is left as it is. */
  async unregister(userId: string, deviceId: string): Promise<void> {
    await this.db('devices').where({ id: deviceId, user_id: userId }).delete();
  }

  async remove(deviceId: string): Promise<void> {
    await this.db('devices').where({ id: deviceId }).delete();
  }

  async devicesOf(userIds: string[]): Promise<DeviceRow[]> {
    if (userIds.length === 0) return [];
    return this.db<DeviceRow>('devices').whereIn('user_id', userIds);
  }

  async mute(userId: string, bookingId: string, until: Date | null): Promise<void> {
    await this.db('chat_mutes')
      .insert({ user_id: userId, booking_id: bookingId, until })
      .onConflict(['user_id', 'booking_id'])
      .merge(['until']);
  }

  async unmute(userId: string, bookingId: string): Promise<void> {
    await this.db('chat_mutes').where({ user_id: userId, booking_id: bookingId }).delete();
  }

  /** Which of these users muted the booking (for good, or until a time still ahead). */
  async mutedAmong(bookingId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    // For every message delivered: prepared, without knex (prepared.ts).
    const rows = await runPrepared<{ user_id: string }>(this.db, MUTED_AMONG, [bookingId, userIds]);
    return new Set(rows.map((r) => r.user_id));
  }

  /**
   * Takes up to `limit` due jobs for `leaseMs`: they are pushed into the future, so a worker
   * that dies mid-send leaves them to be retried after the lease (at-least-once).
   */
  async claim(limit: number, leaseMs: number): Promise<PushJobRow[]> {
    const result = await this.db.raw(
      `WITH due AS (
         SELECT id FROM push_jobs WHERE not_before <= now() ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
       )
       UPDATE push_jobs j SET not_before = now() + (? * interval '1 millisecond'), attempts = j.attempts + 1
         FROM due, devices d
        WHERE j.id = due.id AND d.id = j.device_id
       RETURNING j.id, j.device_id, j.message, j.attempts, d.kind, d.address, d.subscription`,
      [limit, leaseMs],
    );
    return result.rows as PushJobRow[];
  }

  async complete(jobId: string): Promise<void> {
    await this.db('push_jobs').where({ id: jobId }).delete();
  }

  async retryLater(jobId: string, delayMs: number): Promise<void> {
    await this.db('push_jobs')
      .where({ id: jobId })
      .update({ not_before: this.db.raw("now() + (? * interval '1 millisecond')", [delayMs]) });
  }
}
