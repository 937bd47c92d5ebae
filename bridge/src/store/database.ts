// Opens the bridge's PostgreSQL (knex over pg) and brings its schema up to date.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from '../observability/logger.ts';
import { sqlStateOf } from './database-errors.ts';

export type Database = Knex;

const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', '..', 'migrations');

export function openDatabase(url: string, options: { maxConnections?: number; logger?: Logger } = {}): Database {
  const logger = options.logger?.child({ component: 'knex' });
  return knexFactory({
    client: 'pg',
    connection: url,
    // knex's own lines (a connection lost, one that could not be made) go to the one log stream
    // rather than to the console.
    log: logger && {
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
      deprecate: (message: string) => logger.warn(message),
      debug: (message: string) => logger.debug(message),
    },
    pool: {
      min: 0,
      max: options.maxConnections ?? 10,
      // The read model's queries are short: JIT compiling them costs more than it saves
      // (a catch-up query took 217 ms with JIT against 8 ms without).
      afterCreate: (
        connection: { query(sql: string, done: (error: Error | null) => void): void },
        done: (error: Error | null, connection: unknown) => void,
      ) => {
        connection.query('SET jit = off', (error) => done(error, connection));
      },
    },
    acquireConnectionTimeout: 10_000,
  });
}

/** Numbered files in migrations/, loaded as TypeScript by Node itself. */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await readdir(MIGRATIONS_DIR);
    return files.filter((f) => /^\d{3}_[\w-]+\.ts$/.test(f)).sort();
  },
  getMigrationName: (file) => file,
  getMigration: (file) => import(pathToFileURL(join(MIGRATIONS_DIR, file)).href),
};

/** Several bridge processes may start together: the one that loses knex's lock waits and retries. */
/**
 * Several processes started at once on an empty database race to create knex's own tables: the
 * losers fail with "already exists" (42P07) or a duplicate type (23505). Once those tables exist,
 * knex's migration lock takes turns (MigrationLocked). Either way: wait, and try again.
 */
const RACED = new Set(['42P07', '23505']);

export async function migrate(db: Database): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.migrate.latest({ migrationSource });
      return;
    } catch (error) {
      const locked = error instanceof Error && error.name === 'MigrationLocked';
      const raced = RACED.has(sqlStateOf(error) ?? '');
      if (!(locked || raced) || attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
