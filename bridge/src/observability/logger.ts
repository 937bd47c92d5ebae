// One structured logger (pino) for the bridge and for matrix-appservice-bridge underneath it.
import { Writable } from 'node:stream';
import { Logger as BridgeLogger } from 'matrix-appservice-bridge';
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'booking-chat' },
    // Message bodies and credentials never reach the logs (privacy).
    redact: { paths: ['text', '*.text', 'token', '*.token', 'authorization', '*.authorization'], remove: true },
  });
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/**
 * Routes matrix-appservice-bridge's (and its bot-sdk's) winston logging into pino, so there is
 * one log stream: the library writes JSON lines to a stream, each becomes a pino line. Its
 * logger is process-wide: the last bridge created in a process wins.
 */
export function routeBridgeLogs(logger: Logger): void {
  const child = logger.child({ component: 'matrix-appservice-bridge' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { level, module, message, error } = JSON.parse(line) as Record<string, string | undefined>;
          const method = LEVELS.has(level?.toLowerCase() ?? '') ? (level!.toLowerCase() as 'info') : 'info';
          child[method]({ module, error }, message ?? '');
        } catch {
          child.info(line);
        }
      }
      done();
    },
  });
  BridgeLogger.root.configureLogging({ json: true, console: 'off' }, sink);
}
