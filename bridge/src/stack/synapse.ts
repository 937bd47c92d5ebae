// One run of a bundled Synapse process (the main process or a worker), from the project's
// virtualenv (scripts/install-synapse.sh): whatever an earlier run of the same configuration left
// behind is stopped first, the child dies with this process, and it counts as started only once
// it holds its port itself and answers /health.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { assertPortFree } from './ports.ts';
import { commandLine, listensOn, parentOf, procAvailable, processesWith, terminate } from './processes.ts';
import {
  ensureSynapseDatabase,
  writeSynapseConfig,
  type SynapseConfigFiles,
  type SynapseOptions,
  type SynapseProcessConfig,
} from './synapse-config.ts';

export type { SynapseOptions } from './synapse-config.ts';

export const SYNAPSE_PYTHON = join(import.meta.dirname, '..', '..', '..', '.local', 'synapse-venv', 'bin', 'python');
const LAUNCHER = join(import.meta.dirname, 'parent-death-launcher.py');
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

export interface RunningSynapse {
  /** `main`, or the worker's name. */
  name: string;
  url: string;
  pid: number;
  /** Settles when the process exits, with how it ended ("code 1", "signal SIGKILL"). */
  exited: Promise<string>;
  /** Synapses of this configuration left running by an earlier run, stopped before this one started. */
  stoppedLeftovers: number[];
  /** The last lines Synapse wrote to its logs during this run. */
  logTail(): string;
  stop(): Promise<void>;
}

/**
 * A Synapse still running on this configuration was left by an earlier run whose parent-death
 * signal never fired (started by an older version, or re-parented some other way): it holds
 * the port and the database, and would answer the new run's health check. It is found in the
 * process table rather than through Synapse's pid_file, which may be stale, name a recycled pid
 * or be gone with a wiped data folder. If its parent is a live Node process, another bridge is
 * running on this DATA_DIR: refuse rather than take its homeserver away.
 */
async function stopLeftovers(app: string, configPath: string): Promise<number[]> {
  const leftovers = processesWith([app, configPath]);
  for (const pid of leftovers) {
    const parent = parentOf(pid);
    const parentProgram = parent === undefined ? undefined : commandLine(parent)?.[0];
    if (parent !== process.pid && parentProgram && basename(parentProgram).startsWith('node')) {
      throw new Error(
        `the Synapse of ${configPath} (pid ${pid}) belongs to another running bridge (pid ${parent}): is \`npm start\` already running on this DATA_DIR?`,
      );
    }
    await terminate(pid, STOP_GRACE_MS);
  }
  return leftovers;
}

/** What Synapse writes to a file from now on: its last lines, read when something went wrong. */
function tailFrom(path: string): () => string {
  const offset = existsSync(path) ? statSync(path).size : 0;
  return () => {
    if (!existsSync(path)) return '';
    const end = statSync(path).size;
    const start = Math.max(offset, end - 4096);
    const buffer = Buffer.alloc(Math.max(0, end - start));
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-15).join('\n');
  };
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

async function answersHealth(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
}

/** Checks the install, creates the database if needed, writes every configuration file, makes the signing key. */
export async function prepareSynapse(options: SynapseOptions): Promise<SynapseConfigFiles> {
  if (!existsSync(SYNAPSE_PYTHON)) {
    throw new Error('Synapse is not installed: run `npm run setup` (scripts/install-synapse.sh)');
  }
  if (options.databaseUrl) await ensureSynapseDatabase(options.databaseUrl);
  const files = writeSynapseConfig(options);
  if (!existsSync(join(options.dataDir, 'signing.key'))) {
    const generated = spawnSync(
      SYNAPSE_PYTHON,
      ['-m', 'synapse.app.homeserver', '-c', files.processes[0]!.configPaths[0]!, '--generate-keys'],
      { encoding: 'utf8' },
    );
    if (generated.status !== 0) throw new Error(`Synapse key generation failed: ${generated.stderr}`);
  }
  return files;
}

/** Starts one process of a prepared configuration; resolves once it answers /health. */
export async function startSynapseProcess(config: SynapseProcessConfig, dataDir: string, host: string): Promise<RunningSynapse> {
  const { process: proc, configPaths } = config;
  const ownConfig = configPaths[configPaths.length - 1]!;
  const stoppedLeftovers = await stopLeftovers(proc.app, ownConfig);
  const ports = [...new Set([proc.clientPort, proc.replicationPort, proc.healthPort].filter((p) => p !== undefined))];
  for (const port of ports) {
    await assertPortFree(
      port,
      host,
      'SYNAPSE_PORT',
      `another Synapse (another DATA_DIR's \`npm start\`?) or another service; with SYNAPSE_WORKERS the processes take the ports after SYNAPSE_PORT`,
    );
  }
  const stdoutPath = join(dataDir, proc.name === 'main' ? 'stdout.log' : `stdout-${proc.name}.log`);
  const tails = [tailFrom(stdoutPath), tailFrom(config.logFile)];
  const logTail = () =>
    tails
      .map((tail) => tail())
      .filter(Boolean)
      .join('\n');
  const output = openSync(stdoutPath, 'a');
  const args = ['-m', proc.app, ...configPaths.flatMap((path) => ['-c', path])];
  const child = spawn(SYNAPSE_PYTHON, [LAUNCHER, String(process.pid), SYNAPSE_PYTHON, ...args], {
    stdio: ['ignore', output, output],
  });
  closeSync(output);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(describeExit(code, signal))));
  const pid = child.pid!;
  const url = `http://${host}:${proc.healthPort}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  };

  // Ready means our child holds the listener and answers: a stranger on the port (the race the
  // check above cannot close) must not make a Synapse that is about to fail look started.
  const deadline = Date.now() + START_TIMEOUT_MS;
  let ended: string | undefined;
  void exited.then((how) => (ended = how));
  for (;;) {
    if (ended !== undefined) {
      throw new Error(`Synapse (${proc.name}) exited during start-up (${ended}). Its log:\n${logTail() || '(empty)'}`);
    }
    if ((!procAvailable || listensOn(pid, proc.healthPort)) && (await answersHealth(url))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Synapse (${proc.name}) did not become healthy within ${START_TIMEOUT_MS} ms. Its log:\n${logTail() || '(empty)'}`);
    }
    await Promise.race([exited, delay(250)]);
  }
  return { name: proc.name, url, pid, exited, stoppedLeftovers, logTail, stop };
}

/** A Synapse of one process (tests, benchmarks): prepared and started. */
export async function startSynapse(options: SynapseOptions): Promise<RunningSynapse> {
  const files = await prepareSynapse({ ...options, workers: 0 });
  return startSynapseProcess(files.processes[0]!, options.dataDir, options.bindAddress ?? '127.0.0.1');
}
