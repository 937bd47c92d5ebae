// The zero-setup database: PGlite (PostgreSQL compiled to WASM) served over the Postgres wire
// protocol, so the bridge runs the same pg/knex code as against a real server.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { assertPortFree } from './ports.ts';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  // Checked before the data folder is opened: the usual holder is another `npm start`, perhaps
  // on this very DATA_DIR, whose PGlite must not share the folder with a second one.
  await assertPortFree(
    port,
    '127.0.0.1',
    'EMBEDDED_POSTGRES_PORT',
    'another `npm start` of booking-chat (its embedded PostgreSQL) or a PostgreSQL server',
  );
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
