// The read paths that run on every chat open and every reconnect (history, catch-up) as named
// prepared statements on the pool's own pg connections: PostgreSQL plans each statement once per
// connection instead of once per call (planning the 17 monthly partitions cost more than running
// the query), and knex's query building is skipped.
import type pg from 'pg';
import type { Database } from './database.ts';

export interface PreparedStatement {
  /** Unique per statement text: a connection keeps one plan per name. */
  name: string;
  text: string;
}

export async function runPrepared<Row>(db: Database, statement: PreparedStatement, values: unknown[]): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    const result = await connection.query<Row & pg.QueryResultRow>({ name: statement.name, text: statement.text, values });
    return result.rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
