// Integration tests share one real Synapse on real PostgreSQL, started once per run. Each test
// file starts its own bridge (on its own fresh database) on the appservice port registered here.
import type { TestProject } from 'vitest/node';
import { ensureServices, TEST_PORT_SLOT, testPort } from './services.ts';
import { startThrowawaySynapse } from './throwaway-synapse.ts';

export const TEST_SERVER_NAME = 'booking-chat.test';
export const TEST_APPSERVICE_PORT = testPort(8195);
const TEST_SYNAPSE_PORT = testPort(8190);

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
  const { synapse, secrets, registration } = await startThrowawaySynapse({
    name: TEST_PORT_SLOT === 0 ? 'test' : `test${TEST_PORT_SLOT}`,
    serverName: TEST_SERVER_NAME,
    port: TEST_SYNAPSE_PORT,
    appservicePort: TEST_APPSERVICE_PORT,
  });
  project.provide('synapseUrl', synapse.url);
  project.provide('registration', registration);
  project.provide('registrationSharedSecret', secrets.registrationSharedSecret);
  project.provide('serverName', TEST_SERVER_NAME);
  project.provide('appservicePort', TEST_APPSERVICE_PORT);
  return () => synapse.stop();
}
