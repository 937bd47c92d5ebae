// Starts a real bridge in-process (createApp) against the shared test Synapse, on a fresh
// PostgreSQL database; returns what tests need to talk to it.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createApp, type App, type AppDeps } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createDatabase } from './services.ts';
import { testAdminToken } from './synapse-admin-token.ts';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-characters';
export const TEST_SERVICE_TOKEN = 'test-service-token-0123456789';

/** Tests send in bulk; the limit tests (rate-limits, limits) set their own limits. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_MESSAGES: '100000/1s',
  RATE_LIMIT_CONNECTIONS: '100000/1s',
  RATE_LIMIT_READS: '100000/1s',
  RATE_LIMIT_SIGNALS: '100000/1s',
  RATE_LIMIT_BLOCKS: '100000/1s',
  RATE_LIMIT_SETTINGS: '100000/1s',
  MAX_SOCKETS_PER_USER: '10000',
  IMAGE_DECODE_QUEUE: '1000',
};

export interface TestBridge {
  app: App;
  config: Config;
  url: string;
  port: number;
  appservicePort: number;
  /** The metrics listener (Prometheus's /metrics), apart from the public `url`. */
  metricsUrl: string;
  databaseUrl: string;
  close(): Promise<void>;
}

export interface BridgeOptions {
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  /** Reuse a database (several processes of one deployment); a fresh one otherwise. */
  databaseUrl?: string;
  /** Only one bridge receives Synapse's transactions: the others listen elsewhere. */
  receivesTransactions?: boolean;
  pushAgents?: AppDeps['pushAgents'];
  /** Another Synapse's registration (with its SYNAPSE_URL, AS_TOKEN and HS_TOKEN in env). */
  registration?: AppDeps['registration'];
  decodeQueue?: AppDeps['decodeQueue'];
  /** Without a Synapse admin token (erasure then skips media deletion and deactivation). */
  withoutSynapseAdmin?: boolean;
}

export async function startBridge(options: BridgeOptions = {}): Promise<TestBridge> {
  const databaseUrl = options.databaseUrl ?? (await createDatabase(`bookingchat_test_${randomBytes(4).toString('hex')}`));
  const registration = options.registration ?? (inject('registration') as AppDeps['registration']);
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    SYNAPSE_URL: inject('synapseUrl'),
    SYNAPSE_SERVER_NAME: inject('serverName'),
    APPSERVICE_PORT: String(options.receivesTransactions === false ? 0 : inject('appservicePort')),
    // Several bridges run in one test process: each takes a free port.
    METRICS_PORT: '0',
    AS_TOKEN: registration.as_token,
    HS_TOKEN: registration.hs_token,
    JWT_SECRET: TEST_JWT_SECRET,
    SERVICE_TOKEN: TEST_SERVICE_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...(options.withoutSynapseAdmin || options.registration ? {} : { SYNAPSE_ADMIN_TOKEN: await testAdminToken() }),
    ...GENEROUS_LIMITS,
    // Every test bridge fills its pool at start: two rooms take the road without loading Synapse with unused ones.
    ROOM_POOL_SIZE: '2',
    ...options.env,
  });
  const app = await createApp(config, {
    // SYNAPSE_URL in env puts something between the bridge and the test Synapse (a faulty proxy).
    synapseUrl: options.env?.SYNAPSE_URL ?? inject('synapseUrl'),
    registration,
    logger: createLogger(config.logLevel),
    pushAgents: options.pushAgents,
    decodeQueue: options.decodeQueue,
  });
  const { port, appservicePort, metricsPort } = await app.listen();
  const scheme = config.tls ? 'https' : 'http';
  return {
    app,
    config,
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    appservicePort,
    metricsUrl: `${scheme}://${config.metrics.host}:${metricsPort}`,
    databaseUrl,
    close: () => app.close(),
  };
}
