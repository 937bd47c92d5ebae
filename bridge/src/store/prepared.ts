// The read paths that run on every chat open and every reconnect (history, catch-up) as named
// prepared statements on the pool's own pg connections: PostgreSQL plans each statement once per
// connection instead of once per call (planning the 17 monthly partitions cost more than running
// the query), and knex's query building is skipped. The lookups every message makes skip it too
// (knex's building was 13 % of the bridge's CPU per message; docs/operations.md).
import type pg from 'pg';
import type { Database } from './database.ts';

export interface PreparedStatement {
  /** Unique per statement text: a connection keeps one plan per name. */
  name: string;
  text: string;
}

export function runPrepared<Row>(db: Database, statement: PreparedStatement, values: unknown[]): Promise<Row[]> {
  return onPoolConnection<Row>(db, { name: statement.name, text: statement.text, values });
}

/**
 * A statement on one of the pool's connections without knex's query building, and without a
 * name: for the lookups every message makes whose `SELECT *` follows the table's columns (a named
 * statement's plan refuses a row type changed by a migration another process ran meanwhile).
 */
export function runStatement<Row>(db: Database, text: string, values: unknown[]): Promise<Row[]> {
  return onPoolConnection<Row>(db, { text, values });
}

/**
 * Statements in one explicit transaction, sent as one simple query: one round trip instead of one
 * per statement (BEGIN, each statement, COMMIT). The simple query protocol takes no parameters:
 * `build` inlines every value through `literal` (the driver's own escaping). Returns each
 * statement's rows. On a failure the transaction is rolled back before the connection goes back.
 */
export async function runTransactionBlock(db: Database, build: (literal: (value: string) => string) => string[]): Promise<unknown[][]> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    const statements = build((value) => connection.escapeLiteral(value));
    const results = (await connection.query(['BEGIN', ...statements, 'COMMIT'].join(';\n'))) as unknown as pg.QueryResult[];
    return results.slice(1, -1).map((result) => result.rows);
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.client.releaseConnection(connection);
  }
}

async function onPoolConnection<Row>(db: Database, query: pg.QueryConfig): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    const result = await connection.query<Row & pg.QueryResultRow>(query);
    return result.rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
