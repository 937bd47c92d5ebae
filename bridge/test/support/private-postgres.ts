// A PostgreSQL cluster of one test's own (initdb into a temporary directory, trust auth, a port
// of its own), so the test can stop and start it without disturbing the shared server on 5432.
// Tests run as root and PostgreSQL refuses to: the cluster belongs to the `postgres` user.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDatabase } from './services.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface PrivatePostgres {
  /** A fresh, empty database in this cluster. */
  createDatabase(name: string): Promise<string>;
  start(): Promise<void>;
  /** A fast shutdown: open connections are terminated, as when the server goes down. */
  stop(): Promise<void>;
  /** Stops the cluster and deletes its files. */
  remove(): Promise<void>;
}

function asPostgres(command: string, args: string[]) {
  return run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { timeout: 60_000 });
}

export async function privatePostgres(port: number): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'bookingchat-pg-'));
  chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const data = join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync']);
  const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: PrivatePostgres = {
    createDatabase: (name) => createDatabase(name, { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres` }),
    start: async () => void (await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start'])),
    stop: async () => void (await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])),
    async remove() {
      await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
