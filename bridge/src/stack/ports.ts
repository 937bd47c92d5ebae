// A port the stack is about to bind, checked first: a clash then stops start-up with the
// setting, the process holding the port and the likely cause, instead of a bare EADDRINUSE or
// a line in a child's log (or, worse, a health check answered by a stranger).
import { createServer } from 'node:net';
import { commandLine, listenersOn } from './processes.ts';

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function describe(pid: number): string {
  const line = commandLine(pid)?.join(' ') ?? 'unknown';
  return `pid ${pid}: ${line.length > 160 ? `${line.slice(0, 160)}…` : line}`;
}

export async function assertPortFree(port: number, host: string, setting: string, likelyCause: string): Promise<void> {
  if (await bindable(port, host)) return;
  const holders = listenersOn(port).map(describe);
  const held = holders.length > 0 ? ` by ${holders.join('; ')}` : ' by another process';
  throw new Error(
    `${setting} ${port} on ${host} is already in use${held}. Likely ${likelyCause}. Stop it, or set ${setting} to a free port.`,
  );
}
