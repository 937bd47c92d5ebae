// The real PostgreSQL and Redis the tests use; started here when installed but not running.
import { execSync } from 'node:child_process';
import { createConnection } from 'node:net';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Several checkouts may run their suites side by side on one machine (TEST_PORT_SLOT=1, 2, …):
 * each slot moves every fixed port a test binds by a thousand, and names its Synapse apart.
 */
export const TEST_PORT_SLOT = Number(process.env.TEST_PORT_SLOT ?? 0);

export function testPort(base: number): number {
  return base + TEST_PORT_SLOT * 1000;
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function ensureRunning(name: string, port: number, start: string): Promise<void> {
  if (await reachable(port)) return;
  execSync(start, { stdio: 'inherit', shell: '/bin/bash' });
  for (let i = 0; i < 50 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await reachable(port))) throw new Error(`${name} is not running on port ${port} and could not be started`);
}

export async function ensureServices(): Promise<void> {
  await ensureRunning('PostgreSQL', 5432, 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start');
  await ensureRunning('Redis', 6379, 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
}

/** A fresh, empty database for one test file's bridge (on the shared server unless `adminUrl` names another). */
export async function createDatabase(name: string, options: { collateC?: boolean; adminUrl?: string } = {}): Promise<string> {
  const adminUrl = options.adminUrl ?? POSTGRES_ADMIN_URL;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    const collation = options.collateC ? " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" : '';
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${collation}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
