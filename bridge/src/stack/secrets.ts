// Secrets for the embedded defaults, generated once into the ignored data folder (mode 0600).
// In production every one of them comes from the environment instead.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';

export interface LocalSecrets {
  asToken: string;
  hsToken: string;
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  jwtSecret: string;
  serviceToken: string;
  /** Synapse's worker_replication_secret (SYNAPSE_WORKERS). */
  replicationSecret: string;
  /** The password of the bundled Synapse's admin account (stack/local-stack.ts provisions it). */
  synapseAdminPassword: string;
}

const NAMES: (keyof LocalSecrets)[] = [
  'asToken',
  'hsToken',
  'registrationSharedSecret',
  'macaroonSecretKey',
  'formSecret',
  'jwtSecret',
  'serviceToken',
  'replicationSecret',
  'synapseAdminPassword',
];

export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'secrets.json');
  const stored: Partial<LocalSecrets> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  const secrets = Object.fromEntries(
    NAMES.map((name) => [name, stored[name] ?? randomBytes(32).toString('base64url')]),
  ) as unknown as LocalSecrets;
  if (NAMES.some((name) => stored[name] === undefined)) {
    writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

/** A VAPID key pair for Web Push, generated once like the other local secrets. */
export function loadOrCreateVapidKeys(dataDir: string): { publicKey: string; privateKey: string } {
  const path = join(dataDir, 'vapid.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const keys = webpush.generateVAPIDKeys();
  writeFileSync(path, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
