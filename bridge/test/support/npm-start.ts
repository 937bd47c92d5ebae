// `npm start` as an operator runs it: `node bridge/src/main.ts` with the embedded defaults
// (PGlite, the bundled Synapse on SQLite), configured only by the environment, on its own
// DATA_DIR and ports. For what the stack does around hard kills and clashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TEST_JWT_SECRET, TEST_SERVICE_TOKEN } from './bridge.ts';
import { processesWith } from '../../src/stack/processes.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

/** Synapse on SQLite creates its schema at the first start; a loaded 2-core machine takes minutes. */
export const FIRST_START_TIMEOUT_MS = 240_000;

export interface NpmStart {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves once a line containing `text` was printed; rejects at the deadline or when the process exits first. */
  waitForLine(text: string, timeoutMs: number): Promise<void>;
  /** Settles with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export function npmStart(env: Record<string, string>): NpmStart {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      SERVICE_TOKEN: TEST_SERVICE_TOKEN,
      LOG_LEVEL: 'info',
      RATE_LIMIT_MESSAGES: '100000/1s',
      // The default 9464 would clash between starts running side by side.
      METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code!)));
  return {
    child,
    pid: child.pid!,
    url: `http://127.0.0.1:${env.PORT}`,
    output: () => output,
    waitForLine(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => void (output.includes(text) && done());
        const timer = setTimeout(() => done(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        void exited.then((how) => done(new Error(`exited (${how}) before "${text}":\n${output}`)));
        listeners.add(check);
        check();
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function npmStarted(env: Record<string, string>, timeoutMs = FIRST_START_TIMEOUT_MS): Promise<NpmStart> {
  const started = npmStart(env);
  await started.waitForLine('booking-chat is up', timeoutMs);
  return started;
}

/** The Synapse processes running the configuration of this DATA_DIR. */
export function synapsesOf(dataDir: string): number[] {
  return processesWith(['synapse.app.homeserver', join(dataDir, 'synapse', 'homeserver.yaml')]);
}
