// The bundled Synapse's configuration: homeserver.yaml and its log config generated from the
// committed templates in synapse-config/, and its PostgreSQL database when it has one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { renderTemplate } from './template.ts';
import {
  redisEndpoint,
  sharedWorkerSettings,
  synapseTopology,
  workerSettings,
  type SynapseProcess,
  type SynapseTopology,
} from './synapse-topology.ts';

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
  /** Event persisters besides the main process (SYNAPSE_WORKERS); 0 or absent: one process. */
  workers?: number;
  /** Replication between the processes; required with workers. */
  redisUrl?: string;
  /** Authenticates the processes' replication requests to each other; required with workers. */
  replicationSecret?: string;
}

/** One process to run: its Synapse application and the configuration files it reads. */
export interface SynapseProcessConfig {
  process: SynapseProcess;
  configPaths: string[];
  /** Where the process logs (its log config's file). */
  logFile: string;
}

export interface SynapseConfigFiles {
  topology: SynapseTopology;
  /** In start order. */
  processes: SynapseProcessConfig[];
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
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    }
  } finally {
    await client.end();
  }
}

function writeLogConfig(options: SynapseOptions, name: string): { path: string; logFile: string } {
  const own = name === 'main' ? '' : `-${name}`;
  const logFile = join(options.dataDir, `homeserver${own}.log`);
  const path = join(options.dataDir, `log${own}.config`);
  writeFileSync(
    path,
    renderTemplate(join(TEMPLATES, 'log.config.template'), { LOG_FILE: logFile, LOG_LEVEL: options.logLevel ?? 'WARNING' }),
  );
  return { path, logFile };
}

/** homeserver.yaml (shared by every process), each worker's own file, and their log configs. */
export function writeSynapseConfig(options: SynapseOptions): SynapseConfigFiles {
  mkdirSync(options.dataDir, { recursive: true });
  const host = options.bindAddress ?? '127.0.0.1';
  const workers = options.workers ?? 0;
  const topology = synapseTopology(workers, options.port);
  const values = {
    DATA_DIR: options.dataDir,
    SERVER_NAME: options.serverName,
    PUBLIC_BASEURL: `http://127.0.0.1:${options.port}/`,
    PORT: topology.main.clientPort!,
    BIND_ADDRESS: host,
    DATABASE: databaseBlock(options.dataDir, options.databaseUrl),
    REGISTRATION_SHARED_SECRET: options.registrationSharedSecret,
    MACAROON_SECRET_KEY: options.macaroonSecretKey,
    FORM_SECRET: options.formSecret,
    REGISTRATION_FILE: options.registrationFile,
    RETENTION_DAYS: options.retentionDays,
  };
  const mainLog = writeLogConfig(options, 'main');
  let homeserver = renderTemplate(join(TEMPLATES, 'homeserver.yaml.template'), values);
  if (workers > 0) {
    if (!options.redisUrl || !options.replicationSecret) throw new Error('Synapse workers need Redis and a replication secret');
    const shared = sharedWorkerSettings(topology, host, redisEndpoint(options.redisUrl), options.replicationSecret);
    // Re-rendered whole, so that the shared listeners replace the template's one listener.
    homeserver = `# Generated from synapse-config/homeserver.yaml.template with SYNAPSE_WORKERS=${workers} (bridge/src/stack/synapse-config.ts).\n${stringifyYaml({ ...parseYaml(homeserver), ...shared })}`;
  }
  const configPath = join(options.dataDir, 'homeserver.yaml');
  writeFileSync(configPath, homeserver, { mode: 0o600 });
  const processes: SynapseProcessConfig[] = [{ process: topology.main, configPaths: [configPath], logFile: mainLog.logFile }];
  const workersDir = join(options.dataDir, 'workers');
  for (const worker of topology.all.slice(1)) {
    mkdirSync(workersDir, { recursive: true });
    const log = writeLogConfig(options, worker.name);
    const path = join(workersDir, `${worker.name}.yaml`);
    writeFileSync(path, stringifyYaml(workerSettings(worker, host, log.path)), { mode: 0o600 });
    processes.push({ process: worker, configPaths: [configPath, path], logFile: log.logFile });
  }
  return { topology, processes };
}
