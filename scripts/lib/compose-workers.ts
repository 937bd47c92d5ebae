// Synapse workers for docker-compose.yml (`npm run compose:config -- --synapse-workers N`): the
// same processes as `npm start` with SYNAPSE_WORKERS=N (bridge/src/stack/synapse-topology.ts),
// each in a service of its own. What this makes:
//
//   - the settings homeserver.yaml gains (Synapse's "Shared configuration"): a replication
//     listener on the main process, Redis, instance_map by service name, stream_writers,
//     notify_appservices_from_worker;
//   - one worker file per worker (worker_app, worker_name, worker_listeners);
//   - docker-compose.workers.yml, a Compose override that adds one service per worker and points
//     the bridges' Synapse traffic at the proxy, which routes it (deploy/Caddyfile).
//
// Every listener is TLS with the `synapse` certificate (its SANs name every Synapse service), as
// every other hop of the compose stack; the workers' services come from the `synapse` service, so
// image, mounts and healthcheck cannot drift from it.
import { synapseTopology, type SynapseProcess, type SynapseTopology } from '../../bridge/src/stack/synapse-topology.ts';

/** Every Synapse process listens for the client API here, as the main process does. */
const CLIENT_PORT = 8448;
const REPLICATION_PORT = 9093;
/** The proxy's internal site that routes the bridges' Synapse requests (deploy/Caddyfile). */
export const ROUTED_SYNAPSE_URL = 'https://proxy:8448';

export interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  healthcheck?: { test?: string[] } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface ComposeWorkers {
  topology: SynapseTopology;
  /** Merged over the rendered homeserver.yaml. */
  shared: Record<string, unknown>;
  /** File name under .local/compose/workers/ → its content as an object. */
  workerFiles: Map<string, Record<string, unknown>>;
  /** The Compose override file, as an object. */
  override: { services: Record<string, ComposeService> };
}

/** The compose service of a Synapse process: `synapse` for main, `synapse-persister1`, ... */
export function serviceOf(process: SynapseProcess): string {
  return process.name === 'main' ? 'synapse' : `synapse-${process.name}`;
}

function tlsListener(port: number, names: string[], xForwarded: boolean) {
  return { port, bind_addresses: ['0.0.0.0'], type: 'http', tls: true, x_forwarded: xForwarded, resources: [{ names, compress: false }] };
}

const replicationListener = () => tlsListener(REPLICATION_PORT, ['replication'], false);

function sharedSettings(topology: SynapseTopology, clientListeners: unknown[], redisPassword: string, replicationSecret: string) {
  const writers = [topology.main, ...topology.persisters];
  return {
    listeners: [...clientListeners, replicationListener()],
    worker_replication_secret: replicationSecret,
    redis: { enabled: true, host: 'redis', port: 6379, password: redisPassword, use_tls: true, ca_file: '/certs/ca.crt' },
    instance_map: Object.fromEntries(writers.map((p) => [p.name, { host: serviceOf(p), port: REPLICATION_PORT, tls: true }])),
    stream_writers: { events: topology.persisters.map((p) => p.name) },
    notify_appservices_from_worker: topology.appserviceSender!.name,
  };
}

function workerFile(worker: SynapseProcess): Record<string, unknown> {
  // Persisters serve their rooms' client endpoints (Element's and the bridges', through the
  // proxy) and replication; the appservice sender only needs a listener for its /health.
  const listeners = worker.clientPort
    ? [tlsListener(CLIENT_PORT, ['client'], true), replicationListener()]
    : [tlsListener(CLIENT_PORT, ['health'], false)];
  return { worker_app: worker.app, worker_name: worker.name, worker_listeners: listeners };
}

/** The worker's service: the `synapse` service's image, certificates and healthcheck, its own worker file. */
function workerService(synapse: ComposeService, worker: SynapseProcess, workerFile: string): ComposeService {
  const name = serviceOf(worker);
  const volumes = (synapse.volumes ?? []).map((volume) =>
    // The signing key lives in the main process's volume; workers sign events with it, never write it.
    volume.endsWith(':/data') ? `${volume}:ro` : volume,
  );
  return {
    image: synapse.image,
    restart: 'unless-stopped',
    user: '991:991',
    environment: { SSL_CERT_FILE: String(synapse.environment?.SSL_CERT_FILE ?? '/certs/ca.crt') },
    entrypoint: ['python', '-m', worker.app, '--config-path', '/config/homeserver.yaml', '--config-path', '/config/worker.yaml'],
    volumes: [...volumes, `./.local/compose/workers/${workerFile}:/config/worker.yaml:ro`],
    networks: ['backend'],
    // main migrates the database and creates the signing key; Redis carries replication.
    depends_on: { synapse: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } },
    healthcheck: {
      ...synapse.healthcheck,
      test: (synapse.healthcheck?.test ?? []).map((arg) => arg.replaceAll(`synapse:${CLIENT_PORT}`, `${name}:${CLIENT_PORT}`)),
    },
  };
}

/**
 * The worker topology for N event persisters (N ≥ 1). `services` are docker-compose.yml's;
 * `clientListeners` the rendered homeserver.yaml's listeners, kept as they are.
 */
export function composeWorkers(
  workers: number,
  services: Record<string, ComposeService>,
  clientListeners: unknown[],
  secrets: { redisPassword: string; replicationSecret: string },
): ComposeWorkers {
  const synapse = services.synapse;
  if (!synapse) throw new Error('docker-compose.yml: no synapse service');
  // Ports are per container here; the topology gives the names and applications.
  const topology = synapseTopology(workers, CLIENT_PORT);
  const workerFiles = new Map<string, Record<string, unknown>>();
  const override: ComposeWorkers['override'] = { services: {} };
  for (const worker of topology.all.slice(1)) {
    const file = `${worker.name}.yaml`;
    workerFiles.set(file, workerFile(worker));
    override.services[serviceOf(worker)] = workerService(synapse, worker, file);
  }
  // Synapse's own replication goes through Redis from its first start.
  override.services.synapse = { depends_on: { redis: { condition: 'service_healthy' } } };
  // The bridges talk to Synapse through the proxy, which sends room requests to one persister
  // per room and the rest to main (deploy/Caddyfile, docs/deployment.md).
  const persistersUp = Object.fromEntries(topology.persisters.map((p) => [serviceOf(p), { condition: 'service_healthy' }]));
  for (const bridge of Object.keys(services).filter((name) => /^bridge-\d+$/.test(name))) {
    override.services[bridge] = { environment: { SYNAPSE_URL: ROUTED_SYNAPSE_URL }, depends_on: persistersUp };
  }
  override.services.proxy = {
    environment: {
      SYNAPSE_WORKER_UPSTREAMS: topology.persisters.map((p) => `https://${serviceOf(p)}:${CLIENT_PORT}`).join(' '),
    },
  };
  return {
    topology,
    shared: sharedSettings(topology, clientListeners, secrets.redisPassword, secrets.replicationSecret),
    workerFiles,
    override,
  };
}
