// A Synapse of its own for the integration tests or the benchmark: a fresh data folder under
// .local/ and a fresh PostgreSQL database (C collation, as Synapse requires), new secrets, and
// our appservice registration pointing at `appservicePort` on this machine. With `workers`, the
// whole topology of SYNAPSE_WORKERS under its supervisor (main process, event persisters, the
// appservice sender, the router on `port`), as `npm start` runs it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderRegistration, writeRegistration } from '../../src/stack/registration.ts';
import { loadOrCreateSecrets, type LocalSecrets } from '../../src/stack/secrets.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { superviseSynapse } from '../../src/stack/synapse-supervisor.ts';
import { startSynapse } from '../../src/stack/synapse.ts';
import { createDatabase, REDIS_URL } from './services.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface ThrowawaySynapseOptions {
  /** Names the data folder (.local/<name>-synapse) and the database (bookingchat_<name>_synapse). */
  name: string;
  serverName: string;
  port: number;
  appservicePort: number;
  /** Event persisters besides the main process (SYNAPSE_WORKERS); none by default. */
  workers?: number;
}

export interface ThrowawaySynapse {
  synapse: { url: string; stop(): Promise<void> };
  /** With workers: called each time a supervised process is back (npm start calls app.homeserverRecovered). */
  onRestarted(listener: () => void): void;
  /** Its data folder: configuration, logs (and workers/<name>.yaml with workers). */
  dataDir: string;
  /** Synapse's own PostgreSQL database. */
  databaseUrl: string;
  secrets: LocalSecrets;
  /** The registration Synapse was given, as the bridge's createApp takes it. */
  registration: Record<string, unknown>;
}

export async function startThrowawaySynapse(options: ThrowawaySynapseOptions): Promise<ThrowawaySynapse> {
  const dataDir = join(ROOT, '.local', `${options.name}-synapse`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadOrCreateSecrets(dataDir);
  const values = {
    appserviceUrl: `http://127.0.0.1:${options.appservicePort}`,
    asToken: secrets.asToken,
    hsToken: secrets.hsToken,
    botLocalpart: 'bookingchat',
    serverName: options.serverName,
  };
  const databaseUrl = await createDatabase(`bookingchat_${options.name}_synapse`, { collateC: true });
  const synapseOptions = {
    dataDir,
    serverName: options.serverName,
    port: options.port,
    databaseUrl,
    registrationFile: writeRegistration(dataDir, values),
    registrationSharedSecret: secrets.registrationSharedSecret,
    macaroonSecretKey: secrets.macaroonSecretKey,
    formSecret: secrets.formSecret,
    retentionDays: 365,
    workers: options.workers ?? 0,
    redisUrl: REDIS_URL,
    replicationSecret: secrets.replicationSecret,
  };
  const supervised = options.workers
    ? await superviseSynapse(synapseOptions, createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'))
    : undefined;
  const synapse = supervised ?? (await startSynapse(synapseOptions));
  const onRestarted = (listener: () => void) => supervised?.onRestarted(listener);
  return { synapse, onRestarted, dataDir, databaseUrl, secrets, registration: renderRegistration(values).parsed };
}
