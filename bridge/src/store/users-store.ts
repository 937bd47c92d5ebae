// App users (customers and artists) and the Matrix users that stand for them.
import type { Database } from './database.ts';
import { runStatement } from './prepared.ts';

export interface AppUserRow {
  user_id: string;
  matrix_user_id: string;
  /** What apps see (the booking system's). */
  name: string;
  /** What Synapse has as the Matrix user's display name; null until it took one (migrations/013). */
  matrix_name: string | null;
}

export class UsersStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Inserts or refreshes a user; returns whether the stored name changed. */
  async upsert(user: Omit<AppUserRow, 'matrix_name'>): Promise<{ changed: boolean }> {
    const before = await this.get(user.user_id);
    if (before && before.name === user.name) return { changed: false };
    await this.db('app_users')
      .insert({ ...user, updated_at: this.db.fn.now() })
      .onConflict('user_id')
      .merge(['name', 'updated_at']);
    return { changed: true };
  }

  /** Synapse took this name as the user's display name. */
  async markMatrixName(userId: string, name: string): Promise<void> {
    await this.db('app_users').where({ user_id: userId }).update({ matrix_name: name });
  }

  /** On every event Synapse pushes (the sender's name), without knex (prepared.ts). */
  async get(userId: string): Promise<AppUserRow | undefined> {
    const [row] = await runStatement<AppUserRow>(this.db, 'SELECT * FROM app_users WHERE user_id = $1 LIMIT 1', [userId]);
    return row;
  }

  async getMany(userIds: string[]): Promise<Map<string, AppUserRow>> {
    const rows = await this.db<AppUserRow>('app_users').whereIn('user_id', userIds);
    return new Map(rows.map((row) => [row.user_id, row]));
  }
}
