// The bundled Synapse: configuration generated from synapse-config/, run from the project's
// virtualenv (scripts/install-synapse.sh), on PostgreSQL or, for the zero-setup default, SQLite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { renderTemplate } from './template.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TEMPLATES = join(ROOT, 'synapse-config');
export const SYNAPSE_PYTHON = join(ROOT, '.local', 'synapse-venv', 'bin', 'python');

export interface SynapseOptions {
  /** Where the generated configuration, keys, media and logs live. */
  dataDir: string;
  serverName: string;
  port: number;
  bindAddress?: string;
  /** PostgreSQL URL; SQLite in dataDir when absent. */
  databaseUrl: string | undefined;
  registrationFile: string;
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  /** Synapse purges messages older than this, like the bridge's read model. */
  retentionDays: number;
  logLevel?: string;
}

export interface RunningSynapse {
  url: string;
  stop(): Promise<void>;
}

function databaseBlock(dataDir: string, databaseUrl: string | undefined): string {
  if (!databaseUrl) {
    return `  name: sqlite3\n  args:\n    database: "${join(dataDir, 'homeserver.db')}"`;
  }
  const u = new URL(databaseUrl);
  const args = {
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    dbname: u.pathname.slice(1),
    host: u.hostname,
    port: Number(u.port || 5432),
    cp_min: 2,
    cp_max: 10,
  };
  const lines = Object.entries(args)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  return `  name: psycopg2\n  args:\n${lines.join('\n')}`;
}

/** Synapse refuses a database whose collation is not C; create it so when it is missing. */
export async function ensureSynapseDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = target.pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(
        `CREATE DATABASE ${pg.escapeIdentifier(name)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
      );
    }
  } finally {
    await client.end();
  }
}

export function writeSynapseConfig(options: SynapseOptions): string {
  mkdirSync(options.dataDir, { recursive: true });
  const values = {
    DATA_DIR: options.dataDir,
    SERVER_NAME: options.serverName,
    PUBLIC_BASEURL: `http://127.0.0.1:${options.port}/`,
    PORT: options.port,
    BIND_ADDRESS: options.bindAddress ?? '127.0.0.1',
    DATABASE: databaseBlock(options.dataDir, options.databaseUrl),
    REGISTRATION_SHARED_SECRET: options.registrationSharedSecret,
    MACAROON_SECRET_KEY: options.macaroonSecretKey,
    FORM_SECRET: options.formSecret,
    REGISTRATION_FILE: options.registrationFile,
    LOG_LEVEL: options.logLevel ?? 'WARNING',
    RETENTION_DAYS: options.retentionDays,
  };
  const configPath = join(options.dataDir, 'homeserver.yaml');
  writeFileSync(configPath, renderTemplate(join(TEMPLATES, 'homeserver.yaml.template'), values), { mode: 0o600 });
  writeFileSync(join(options.dataDir, 'log.config'), renderTemplate(join(TEMPLATES, 'log.config.template'), values));
  return configPath;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Synapse exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Synapse did not become healthy within ${timeoutMs} ms`);
}

export async function startSynapse(options: SynapseOptions): Promise<RunningSynapse> {
  if (!existsSync(SYNAPSE_PYTHON)) {
    throw new Error('Synapse is not installed: run `npm run setup` (scripts/install-synapse.sh)');
  }
  if (options.databaseUrl) await ensureSynapseDatabase(options.databaseUrl);
  const configPath = writeSynapseConfig(options);
  const module = ['-m', 'synapse.app.homeserver', '-c', configPath];
  if (!existsSync(join(options.dataDir, 'signing.key'))) {
    const generated = spawnSync(SYNAPSE_PYTHON, [...module, '--generate-keys'], { encoding: 'utf8' });
    if (generated.status !== 0) throw new Error(`Synapse key generation failed: ${generated.stderr}`);
  }
  const output = openSync(join(options.dataDir, 'stdout.log'), 'a');
  const child = spawn(SYNAPSE_PYTHON, module, { stdio: ['ignore', output, output] });
  const url = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForHealth(url, child, 120_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; see ${join(options.dataDir, 'homeserver.log')}`);
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
