// Opens the bridge's PostgreSQL (knex over pg) and brings its schema up to date.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import type { Logger } from '../observability/logger.ts';

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

// Any constant works: it only has to be the same in every bridge process.
const MIGRATION_LOCK = 0x6b636d67;

/**
 * Brings the schema up to date. Several processes started at once on an empty database would
 * race to create knex's own tables (one fails with "already exists"): they take turns
 * under a PostgreSQL session lock, held on one of the pool's connections while knex migrates on
 * another. A pool of one connection (the embedded PGlite, one process) has no one to race.
 */
export async function migrate(db: Database): Promise<void> {
  if (((db.client.config as Knex.Config).pool?.max ?? 1) < 2) {
    await db.migrate.latest({ migrationSource });
    return;
  }
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await db.migrate.latest({ migrationSource });
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
