// The apps' child process (clients.ts), driven over IPC: one request, one reply.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ClientCommand, ClientReply } from './clients.ts';

/** Open sockets per process the bench allows itself: 20,000 idle sockets need more than a default limit. */
const OPEN_FILES = 65_536;

/**
 * Raises a process's open-file limit (soft and hard) with prlimit; needs root or CAP_SYS_RESOURCE.
 * Node cannot set its own rlimit, and the bridge runs in the bench's process, so both ends need it.
 * Returns false when it could not: the bench goes on with the limit it has.
 */
export function raiseOpenFiles(pid: number): boolean {
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${OPEN_FILES}:${OPEN_FILES}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A process's open-file limit now (the soft one, which Node raises to the hard one at start). */
export function openFilesLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').match(/^Max open files\s+(\d+|unlimited)/m);
  return line && line[1] !== 'unlimited' ? Number(line[1]) : Infinity;
}

export class Clients {
  private readonly child: ChildProcess = fork(new URL('./clients.ts', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  get pid(): number {
    return this.child.pid!;
  }

  request<T extends ClientReply['type']>(command: ClientCommand, expect: T): Promise<Extract<ClientReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (message: ClientReply) => {
        if (message.type === expect) resolve(message as Extract<ClientReply, { type: T }>);
        else reject(new Error(message.type === 'error' ? message.message : `unexpected ${message.type}`));
      });
      this.child.send(command);
    });
  }

  close(): void {
    this.child.send({ type: 'close' } satisfies ClientCommand);
  }
}
