// Integration tests share one real Synapse on real PostgreSQL, started once per run. Each test
// file starts its own bridge (on its own fresh database) on the appservice port registered here.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { renderRegistration, writeRegistration } from '../../src/stack/registration.ts';
import { loadOrCreateSecrets } from '../../src/stack/secrets.ts';
import { startSynapse } from '../../src/stack/synapse.ts';
import { createDatabase, ensureServices } from './services.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const TEST_SERVER_NAME = 'booking-chat.test';
export const TEST_APPSERVICE_PORT = 9190;
const TEST_SYNAPSE_PORT = 8190;

declare module 'vitest' {
  export interface ProvidedContext {
    synapseUrl: string;
    registration: Record<string, unknown>;
    registrationSharedSecret: string;
    serverName: string;
    appservicePort: number;
  }
}

export default async function setup(project: TestProject) {
  await ensureServices();
  const dataDir = join(ROOT, '.local', 'test-synapse');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadOrCreateSecrets(dataDir);
  const values = {
    appserviceUrl: `http://127.0.0.1:${TEST_APPSERVICE_PORT}`,
    asToken: secrets.asToken,
    hsToken: secrets.hsToken,
    botLocalpart: 'bookingchat',
    serverName: TEST_SERVER_NAME,
  };
  const registrationFile = writeRegistration(dataDir, values);
  const synapse = await startSynapse({
    dataDir,
    serverName: TEST_SERVER_NAME,
    port: TEST_SYNAPSE_PORT,
    databaseUrl: await createDatabase('bookingchat_test_synapse', { collateC: true }),
    registrationFile,
    registrationSharedSecret: secrets.registrationSharedSecret,
    macaroonSecretKey: secrets.macaroonSecretKey,
    formSecret: secrets.formSecret,
    retentionDays: 365,
  });
  project.provide('synapseUrl', synapse.url);
  project.provide('registration', renderRegistration(values).parsed);
  project.provide('registrationSharedSecret', secrets.registrationSharedSecret);
  project.provide('serverName', TEST_SERVER_NAME);
  project.provide('appservicePort', TEST_APPSERVICE_PORT);
  return () => synapse.stop();
}
