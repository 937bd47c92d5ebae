// A Synapse of its own for the integration tests or the benchmark: a fresh data folder under
// .local/ and a fresh PostgreSQL database (C collation, as Synapse requires), new secrets, and
// our appservice registration pointing at `appservicePort` on this machine.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderRegistration, writeRegistration } from '../../src/stack/registration.ts';
import { loadOrCreateSecrets, type LocalSecrets } from '../../src/stack/secrets.ts';
import { startSynapse, type RunningSynapse } from '../../src/stack/synapse.ts';
import { createDatabase } from './services.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface ThrowawaySynapseOptions {
  /** Names the data folder (.local/<name>-synapse) and the database (bookingchat_<name>_synapse). */
  name: string;
  serverName: string;
  port: number;
  appservicePort: number;
}

export interface ThrowawaySynapse {
  synapse: RunningSynapse;
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
  const synapse = await startSynapse({
    dataDir,
    serverName: options.serverName,
    port: options.port,
    databaseUrl: await createDatabase(`bookingchat_${options.name}_synapse`, { collateC: true }),
    registrationFile: writeRegistration(dataDir, values),
    registrationSharedSecret: secrets.registrationSharedSecret,
    macaroonSecretKey: secrets.macaroonSecretKey,
    formSecret: secrets.formSecret,
    retentionDays: 365,
  });
  return { synapse, secrets, registration: renderRegistration(values).parsed };
}
