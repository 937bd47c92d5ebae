// The bundled Synapse under `npm start`, kept running: each of its processes (the main process,
// and with SYNAPSE_WORKERS its workers) is started again when it dies, after a backoff (1 s
// doubling to 30 s, back to 1 s once a run has lasted a minute), and listeners hear when one is
// back, so that the bridge can have Synapse flush what it queued meanwhile.
import type { Logger } from '../observability/logger.ts';
import { startSynapseRouter } from './synapse-router.ts';
import { prepareSynapse, startSynapseProcess, type RunningSynapse, type SynapseOptions } from './synapse.ts';

export interface RestartBackoff {
  firstMs: number;
  maxMs: number;
  /** A run that lasted this long was healthy: the next restart waits `firstMs` again. */
  stableMs: number;
}

export const SYNAPSE_RESTART_BACKOFF: RestartBackoff = { firstMs: 1_000, maxMs: 30_000, stableMs: 60_000 };

export interface SupervisedSynapse {
  url: string;
  onRestarted(listener: () => void): void;
  stop(): Promise<void>;
}

/** Starts every process in order (a failed first start rejects: `npm start` stops) and restarts whichever dies. */
export async function superviseSynapse(
  options: SynapseOptions,
  logger: Logger,
  backoff: RestartBackoff = SYNAPSE_RESTART_BACKOFF,
): Promise<SupervisedSynapse> {
  const host = options.bindAddress ?? '127.0.0.1';
  const files = await prepareSynapse(options);
  const listeners: (() => void)[] = [];
  const supervised: SupervisedProcess[] = [];
  const stopAll = async () => {
    // Workers first, the main process last: the reverse of the start order.
    for (const process of [...supervised].reverse()) await process.stop();
  };
  try {
    for (const config of files.processes) {
      supervised.push(
        await superviseProcess(
          () => startSynapseProcess(config, options.dataDir, host),
          logger,
          backoff,
          () => listeners.forEach((l) => l()),
        ),
      );
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  let url = supervised[0]!.url;
  let stopRouter = async (): Promise<void> => undefined;
  if (files.topology.persisters.length > 0) {
    const router = await startSynapseRouter(files.topology, options.port, host).catch(async (err) => {
      await stopAll();
      throw err;
    });
    url = router.url;
    stopRouter = router.stop;
  }
  return {
    url,
    onRestarted: (listener) => void listeners.push(listener),
    async stop() {
      await stopRouter();
      await stopAll();
    },
  };
}

interface SupervisedProcess {
  url: string;
  stop(): Promise<void>;
}

/** One process, started and kept running. */
async function superviseProcess(
  startProcess: () => Promise<RunningSynapse>,
  logger: Logger,
  backoff: RestartBackoff,
  onRestarted: () => void,
): Promise<SupervisedProcess> {
  let log = logger.child({ component: 'synapse-supervisor' });
  const start = async () => {
    const running = await startProcess();
    if (running.stoppedLeftovers.length > 0) {
      log.warn({ pids: running.stoppedLeftovers }, 'stopped a Synapse an earlier run of this DATA_DIR left running');
    }
    return running;
  };
  let current = await start();
  log = log.child({ synapseProcess: current.name });
  let stopping = false;
  let delayMs = backoff.firstMs;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;

  const scheduleRestart = () => {
    const waitMs = delayMs;
    delayMs = Math.min(delayMs * 2, backoff.maxMs);
    timer = setTimeout(() => (restarting = restart()), waitMs);
    return waitMs;
  };

  const watch = (running: RunningSynapse) => {
    const startedAt = Date.now();
    void running.exited.then((how) => {
      if (stopping) return;
      if (Date.now() - startedAt >= backoff.stableMs) delayMs = backoff.firstMs;
      const restartInMs = scheduleRestart();
      log.error({ pid: running.pid, exit: how, restartInMs, synapseLog: running.logTail() }, 'Synapse exited; restarting it');
    });
  };

  const restart = async () => {
    try {
      const next = await start();
      if (stopping) return next.stop();
      current = next;
      watch(next);
      log.info({ pid: next.pid }, 'Synapse restarted');
      onRestarted();
    } catch (err) {
      if (stopping) return;
      const restartInMs = scheduleRestart();
      log.error({ err, restartInMs }, 'Synapse did not restart; trying again');
    }
  };

  watch(current);
  return {
    url: current.url,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      // A start under way finishes first (and is stopped by restart itself): nothing is left behind.
      await restarting;
      await current.stop();
    },
  };
}
