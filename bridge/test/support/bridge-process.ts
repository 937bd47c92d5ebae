// A bridge as its own OS process (`node bridge/src/main.ts`), configured only by environment
// variables, as operators run it: for several-process and crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { inject } from 'vitest';
import { GENEROUS_LIMITS, TEST_JWT_SECRET, TEST_SERVICE_TOKEN } from './bridge.ts';
import { createDatabase } from './services.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

// A process a test started and never stopped (its start raced another that failed, a hook gave up)
// would keep the appservice port and fail every later file: each goes when the test worker exits.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface BridgeProcess {
  url: string;
  /** The metrics listener, on a port the process picked (METRICS_PORT=0) and logged. */
  metricsUrl: string;
  child: ChildProcess;
  /** Everything the process printed. */
  output(): string;
  /** Resolves once the process has printed this text (rejects if it exits or takes too long). */
  printed(text: string, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The port main.ts logged on its "booking-chat is up" line (pino writes the fields before msg). */
function loggedMetricsPort(output: string): number {
  const port = /"metricsPort":(\d+)[^\n]*booking-chat is up/.exec(output)?.[1];
  if (!port) throw new Error(`no metricsPort in the start-up line:\n${output}`);
  return Number(port);
}

export function freshDatabase(): Promise<string> {
  return createDatabase(`bookingchat_test_${randomBytes(4).toString('hex')}`);
}

export async function spawnBridge(options: { port: number; appservicePort: number; env?: Record<string, string> }): Promise<BridgeProcess> {
  const registration = inject('registration') as { as_token: string; hs_token: string };
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      APPSERVICE_PORT: String(options.appservicePort),
      METRICS_PORT: '0',
      SYNAPSE_URL: inject('synapseUrl'),
      SYNAPSE_SERVER_NAME: inject('serverName'),
      AS_TOKEN: registration.as_token,
      HS_TOKEN: registration.hs_token,
      JWT_SECRET: TEST_JWT_SECRET,
      SERVICE_TOKEN: TEST_SERVICE_TOKEN,
      LOG_LEVEL: 'info',
      ...GENEROUS_LIMITS,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const printed = (text: string, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const check = () => output.includes(text) && settle();
      const onExit = (code: number | null) => settle(new Error(`bridge exited with ${code} before printing "${text}":\n${output}`));
      const timer = setTimeout(() => settle(new Error(`bridge did not print "${text}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      child.stdout!.on('data', check);
      child.once('exit', onExit);
      check();
    });
  await printed('booking-chat is up');
  return {
    url: `http://127.0.0.1:${options.port}`,
    metricsUrl: `http://127.0.0.1:${loggedMetricsPort(output)}`,
    child,
    output: () => output,
    printed,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
