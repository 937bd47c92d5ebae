// Which Synapse processes `npm start` runs, on which ports, with which configuration: one main
// process (SYNAPSE_WORKERS=0), or the main process plus N event persisters and one appservice
// sender, replicating through Redis (Synapse's docs/workers.md).
//
// Why each persister also serves the client endpoints of its own rooms (rather than separate
// event-creator workers): a send routed to the process that persists its room is created and
// persisted in one process, without the replication hop an event creator makes; and on a small
// box every Python process costs ~100 MB and its own share of the CPU.
import { createHash } from 'node:crypto';

export interface SynapseProcess {
  /** `main`, or the worker_name. */
  name: string;
  app: 'synapse.app.homeserver' | 'synapse.app.generic_worker';
  /** The port whose /health says the process is up (every Synapse listener serves /health). */
  healthPort: number;
  /** Client-server listener, for processes the router sends requests to. */
  clientPort?: number;
  replicationPort?: number;
}

export interface SynapseTopology {
  main: SynapseProcess;
  persisters: SynapseProcess[];
  /** Sends the appservice transactions (notify_appservices_from_worker). */
  appserviceSender?: SynapseProcess;
  /** In start order: main first (it migrates the database), the appservice sender last. */
  all: SynapseProcess[];
}

/**
 * `port` is what the bridge and Element talk to: Synapse itself as a monolith, the router in
 * front of the processes with workers, which then take the next 2N+3 ports.
 */
export function synapseTopology(workers: number, port: number): SynapseTopology {
  if (workers === 0) {
    const main: SynapseProcess = { name: 'main', app: 'synapse.app.homeserver', healthPort: port, clientPort: port };
    return { main, persisters: [], all: [main] };
  }
  const main: SynapseProcess = {
    name: 'main',
    app: 'synapse.app.homeserver',
    healthPort: port + 1,
    clientPort: port + 1,
    replicationPort: port + 2,
  };
  const persisters = Array.from({ length: workers }, (_, i): SynapseProcess => ({
    name: `persister${i + 1}`,
    app: 'synapse.app.generic_worker',
    healthPort: port + 3 + 2 * i,
    clientPort: port + 3 + 2 * i,
    replicationPort: port + 4 + 2 * i,
  }));
  const appserviceSender: SynapseProcess = {
    name: 'appservice1',
    app: 'synapse.app.generic_worker',
    healthPort: port + 3 + 2 * workers,
  };
  return { main, persisters, appserviceSender, all: [main, ...persisters, appserviceSender] };
}

/**
 * The persister Synapse gives a room's events to: the same hash as its sharded-writer config
 * (synapse/config/_base.py, ShardedWorkerHandlingConfig): sha256 of the room id, read as a
 * little-endian integer, modulo the number of writers.
 */
export function persisterIndexFor(roomId: string, persisters: number): number {
  if (persisters <= 1) return 0;
  const digest = createHash('sha256').update(roomId, 'utf8').digest();
  let value = 0n;
  for (let i = digest.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(digest[i]!);
  return Number(value % BigInt(persisters));
}

export interface RedisEndpoint {
  host: string;
  port: number;
  password?: string;
  dbid?: number;
  useTls: boolean;
}

export function redisEndpoint(redisUrl: string): RedisEndpoint {
  const u = new URL(redisUrl);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    dbid: db ? Number(db) : undefined,
    useTls: u.protocol === 'rediss:',
  };
}

function httpListener(port: number, host: string, names: string[]) {
  return { port, bind_addresses: [host], type: 'http', tls: false, x_forwarded: false, resources: [{ names, compress: false }] };
}

/** What the shared homeserver.yaml gains with workers (Synapse's "Shared configuration"). */
export function sharedWorkerSettings(topology: SynapseTopology, host: string, redis: RedisEndpoint, replicationSecret: string) {
  const writers = [topology.main, ...topology.persisters];
  return {
    listeners: [
      httpListener(topology.main.clientPort!, host, ['client']),
      httpListener(topology.main.replicationPort!, host, ['replication']),
    ],
    worker_replication_secret: replicationSecret,
    redis: {
      enabled: true,
      host: redis.host,
      port: redis.port,
      ...(redis.password ? { password: redis.password } : {}),
      ...(redis.dbid !== undefined ? { dbid: redis.dbid } : {}),
      use_tls: redis.useTls,
    },
    instance_map: Object.fromEntries(writers.map((p) => [p.name, { host, port: p.replicationPort }])),
    stream_writers: { events: topology.persisters.map((p) => p.name) },
    notify_appservices_from_worker: topology.appserviceSender!.name,
  };
}

/** One worker's own configuration file (Synapse's "Worker configuration"). */
export function workerSettings(worker: SynapseProcess, host: string, logConfig: string) {
  const listeners = worker.clientPort
    ? [httpListener(worker.clientPort, host, ['client']), httpListener(worker.replicationPort!, host, ['replication'])]
    : [httpListener(worker.healthPort, host, ['health'])];
  return { worker_app: worker.app, worker_name: worker.name, worker_listeners: listeners, worker_log_config: logConfig };
}
