// The bundled Synapse's configuration: homeserver.yaml and its log config generated from the
// committed templates in synapse-config/, and its PostgreSQL database when it has one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { renderTemplate } from './template.ts';

const TEMPLATES = join(import.meta.dirname, '..', '..', '..', 'synapse-config');

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
