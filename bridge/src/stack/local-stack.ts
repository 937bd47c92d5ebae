// What `npm start` brings up around the bridge when the environment names no external service:
// generated secrets, an embedded PostgreSQL, and the bundled Synapse with our registration.
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import type { AppDeps } from '../app.ts';
import type { Logger } from '../observability/logger.ts';
import { provisionAdmin } from '../matrix/synapse-admin.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { renderRegistration, writeRegistration } from './registration.ts';
import { loadOrCreateSecrets, loadOrCreateVapidKeys } from './secrets.ts';
import { superviseSynapse } from './synapse-supervisor.ts';

/** The bundled Synapse's admin account: outside the appservice's namespace (`app_…` and the bot). */
const ADMIN_LOCALPART = 'bookingchat_admin';

export interface LocalStack {
  config: Config;
  deps: Pick<AppDeps, 'synapseUrl' | 'registration' | 'maxDatabaseConnections'>;
  /** What was started here, in the order to stop it. */
  stop(): Promise<void>;
  started: string[];
  /** Called each time the bundled Synapse is back after a crash (never with SYNAPSE_URL). */
  onHomeserverRestarted(listener: () => void): void;
}

export async function startLocalStack(config: Config, logger: Logger): Promise<LocalStack> {
  const secrets = loadOrCreateSecrets(config.dataDir);
  const stoppers: (() => Promise<void>)[] = [];
  const started: string[] = [];
  const filled: Config = {
    ...config,
    jwt: { ...config.jwt, secret: config.jwt.secret ?? (config.jwt.jwksUrl ? undefined : secrets.jwtSecret) },
    serviceToken: config.serviceToken ?? secrets.serviceToken,
    push: {
      ...config.push,
      webPush: config.push.webPush ?? {
        ...loadOrCreateVapidKeys(config.dataDir),
        subject: `mailto:support@${config.synapse.serverName.split(':')[0]}`,
      },
    },
  };

  let maxDatabaseConnections: number | undefined;
  if (!config.databaseUrl) {
    const pg = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
    filled.databaseUrl = pg.url;
    maxDatabaseConnections = 1;
    stoppers.unshift(pg.stop);
    started.push(`embedded PostgreSQL (PGlite) at ${pg.url}`);
  }

  const values = {
    appserviceUrl: config.appservice.url,
    asToken: config.appservice.asToken ?? secrets.asToken,
    hsToken: config.appservice.hsToken ?? secrets.hsToken,
    botLocalpart: config.appservice.botLocalpart,
    serverName: config.synapse.serverName,
  };
  let synapseUrl = config.synapse.url;
  let onHomeserverRestarted: LocalStack['onHomeserverRestarted'] = () => undefined;
  if (!synapseUrl) {
    const synapseDir = join(config.dataDir, 'synapse');
    const synapse = await superviseSynapse(
      {
        dataDir: synapseDir,
        serverName: config.synapse.serverName,
        port: config.synapse.port,
        databaseUrl: config.synapse.databaseUrl,
        registrationFile: writeRegistration(config.dataDir, values),
        registrationSharedSecret: secrets.registrationSharedSecret,
        macaroonSecretKey: secrets.macaroonSecretKey,
        formSecret: secrets.formSecret,
        retentionDays: config.retentionDays,
        workers: config.synapse.workers,
        redisUrl: config.redisUrl,
        replicationSecret: secrets.replicationSecret,
      },
      logger,
    );
    synapseUrl = synapse.url;
    onHomeserverRestarted = synapse.onRestarted;
    stoppers.unshift(synapse.stop);
    // Erasure deletes media and deactivates accounts through the admin API (matrix/synapse-admin.ts);
    // without the account the bridge still serves, and says what it skipped.
    const account = { url: synapse.url, sharedSecret: secrets.registrationSharedSecret, username: ADMIN_LOCALPART };
    const adminToken =
      config.synapse.adminToken ??
      (await provisionAdmin({ ...account, password: secrets.synapseAdminPassword }).catch((err: unknown) => {
        logger.warn({ err }, 'could not provision the Synapse admin account: media deletion and deactivation will be skipped');
        return undefined;
      }));
    filled.synapse = { ...filled.synapse, adminToken };
    const workers = config.synapse.workers > 0 ? `, main process + ${config.synapse.workers} event persisters + appservice sender` : '';
    started.push(`Synapse at ${synapse.url} (${config.synapse.databaseUrl ? 'PostgreSQL' : 'SQLite'}${workers})`);
  }

  return {
    config: filled,
    deps: {
      synapseUrl,
      registration: renderRegistration(values).parsed as AppDeps['registration'],
      maxDatabaseConnections,
    },
    started,
    onHomeserverRestarted,
    async stop() {
      for (const stop of stoppers) await stop();
    },
  };
}
