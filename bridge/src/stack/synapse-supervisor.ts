// The bundled Synapse under `npm start`, kept running: when it dies it is started again after a
// backoff (1 s doubling to 30 s, back to 1 s once a run has lasted a minute), and listeners hear
// when it is back, so that the bridge can have Synapse flush what it queued meanwhile.
import type { Logger } from '../observability/logger.ts';
import { startSynapse, type RunningSynapse, type SynapseOptions } from './synapse.ts';

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

/** Starts Synapse (a failed first start rejects: `npm start` stops) and restarts it whenever it dies. */
export async function superviseSynapse(
  options: SynapseOptions,
  logger: Logger,
  backoff: RestartBackoff = SYNAPSE_RESTART_BACKOFF,
): Promise<SupervisedSynapse> {
  const log = logger.child({ component: 'synapse-supervisor' });
  const listeners: (() => void)[] = [];
  const start = async () => {
    const running = await startSynapse(options);
    if (running.stoppedLeftovers.length > 0) {
      log.warn({ pids: running.stoppedLeftovers }, 'stopped a Synapse an earlier run of this DATA_DIR left running');
    }
    return running;
  };
  let current = await start();
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
      for (const listener of listeners) listener();
    } catch (err) {
      if (stopping) return;
      const restartInMs = scheduleRestart();
      log.error({ err, restartInMs }, 'Synapse did not restart; trying again');
    }
  };

  watch(current);
  return {
    url: current.url,
    onRestarted: (listener) => void listeners.push(listener),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      // A start under way finishes first (and is stopped by restart itself): nothing is left behind.
      await restarting;
      await current.stop();
    },
  };
}
