// The benchmark's own stack: real PostgreSQL (fresh databases), the bundled Synapse on it with
// our appservice registration, and the bridge in-process, on ports apart from the tests'.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createApp, type App, type AppDeps } from '../bridge/src/app.ts';
import { loadConfig } from '../bridge/src/config/config.ts';
import { createLogger } from '../bridge/src/observability/logger.ts';
import { startFcmStandIn, type FcmStandIn } from '../bridge/test/support/fcm-standin.ts';
import { createDatabase, POSTGRES_ADMIN_URL } from '../bridge/test/support/services.ts';
import { startThrowawaySynapse } from '../bridge/test/support/throwaway-synapse.ts';

export const BENCH_SERVER_NAME = 'booking-chat.bench';
const SYNAPSE_PORT = 8290;
const APPSERVICE_PORT = 9290;

export interface BenchStack {
  app: App;
  /** Google's FCM servers, stood in for at the network boundary (firebase-admin runs for real). */
  fcm: FcmStandIn;
  bridgeUrl: string;
  synapseUrl: string;
  serverName: string;
  asToken: string;
  registrationSharedSecret: string;
  jwtSecret: string;
  serviceToken: string;
  /** Synapse's data folder: its processes are the ones whose command line names it. */
  synapseDataDir: string;
  /** The PostgreSQL databases of this stack (the bridge's and Synapse's). */
  databases: string[];
  stop(): Promise<void>;
}

async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Which stack: `npm run bench`'s by default; the load bench starts one per Synapse topology. */
export interface StackOptions {
  name: string;
  synapsePort: number;
  appservicePort: number;
  /** SYNAPSE_WORKERS: event persisters besides Synapse's main process. */
  workers: number;
}

const DEFAULT_STACK: StackOptions = { name: 'bench', synapsePort: SYNAPSE_PORT, appservicePort: APPSERVICE_PORT, workers: 0 };

export async function startStack(log: (line: string) => void, options: StackOptions = DEFAULT_STACK): Promise<BenchStack> {
  await requirePostgres();
  const workers = options.workers > 0 ? ` with ${options.workers} event persisters` : '';
  log(`starting Synapse${workers} on :${options.synapsePort} (PostgreSQL database bookingchat_${options.name}_synapse)`);
  const { synapse, secrets, registration, dataDir } = await startThrowawaySynapse({
    name: options.name,
    serverName: BENCH_SERVER_NAME,
    port: options.synapsePort,
    appservicePort: options.appservicePort,
    workers: options.workers,
  });

  const fcm = await startFcmStandIn();
  let app: App | undefined;
  try {
    log(`starting the bridge in-process (database bookingchat_${options.name})`);
    const jwtSecret = randomBytes(32).toString('base64url');
    const serviceToken = randomBytes(24).toString('base64url');
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: await createDatabase(`bookingchat_${options.name}`),
      SYNAPSE_URL: synapse.url,
      SYNAPSE_SERVER_NAME: BENCH_SERVER_NAME,
      APPSERVICE_PORT: String(options.appservicePort),
      METRICS_PORT: '0',
      // The load bench opens thousands of sockets in a burst.
      RATE_LIMIT_CONNECTIONS: '1000000/1s',
      AS_TOKEN: secrets.asToken,
      HS_TOKEN: secrets.hsToken,
      JWT_SECRET: jwtSecret,
      SERVICE_TOKEN: serviceToken,
      LOG_LEVEL: 'warn',
      // The bench measures the pipeline, not the flood control: one user sends bursts of hundreds.
      RATE_LIMIT_MESSAGES: '1000000/1s',
      RATE_LIMIT_UPLOADS: '1000000/1s',
      FCM_SERVICE_ACCOUNT_FILE: fcm.serviceAccountFile,
    });
    app = await createApp(config, {
      synapseUrl: synapse.url,
      registration: registration as AppDeps['registration'],
      logger: createLogger(config.logLevel),
      pushAgents: { fcm: fcm.agent },
    });
    const { port } = await app.listen();
    const started = app;
    return {
      app: started,
      fcm,
      bridgeUrl: `http://127.0.0.1:${port}`,
      synapseUrl: synapse.url,
      serverName: BENCH_SERVER_NAME,
      asToken: secrets.asToken,
      registrationSharedSecret: secrets.registrationSharedSecret,
      jwtSecret,
      serviceToken,
      synapseDataDir: dataDir,
      databases: [`bookingchat_${options.name}`, `bookingchat_${options.name}_synapse`],
      async stop() {
        await started.close().catch((error) => log(`bridge close failed: ${(error as Error).message}`));
        await synapse.stop();
        await fcm.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await synapse.stop();
    await fcm.close();
    throw error;
  }
}
