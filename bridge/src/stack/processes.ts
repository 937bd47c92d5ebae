// The Linux process table (/proc), read to find what an earlier run left behind, whether a
// process is really the one we think (pids are recycled), and who holds a listening port.
// Without /proc (not Linux) the look-ups find nothing and `procAvailable` says so.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export const procAvailable = existsSync('/proc/self/fd');

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** A process's arguments; undefined once it is gone (a zombie has none either). */
export function commandLine(pid: number): string[] | undefined {
  const args = read(`/proc/${pid}/cmdline`)?.split('\0').filter(Boolean);
  return args && args.length > 0 ? args : undefined;
}

/** The fields of /proc/<pid>/stat after the command name, which may itself hold spaces and ")". */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Running, not merely a zombie waiting for its parent to collect its exit status. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

export function parentOf(pid: number): number | undefined {
  const ppid = statFields(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** Every process whose arguments include each of `args`. */
export function processesWith(args: string[]): number[] {
  if (!procAvailable) return [];
  return allPids().filter((pid) => {
    const line = commandLine(pid);
    return line !== undefined && args.every((arg) => line.includes(arg));
  });
}

/** Resolves true once the process has exited, false if it still runs after `timeoutMs`. */
export async function exitedWithin(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // exited meanwhile
    }
  };
  signal('SIGTERM');
  if (await exitedWithin(pid, graceMs)) return;
  signal('SIGKILL');
  if (!(await exitedWithin(pid, 5_000))) throw new Error(`process ${pid} is still running after SIGKILL`);
}

/** Inodes of the sockets listening on a TCP port, on any address (IPv4 and IPv6). */
function listeningSockets(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (read(table) ?? '').split('\n').slice(1)) {
      // sl local_address rem_address st … inode: local_address is ADDR:PORT in hex, st 0A is LISTEN.
      const fields = line.trim().split(/\s+/);
      const localPort = fields[1]?.split(':')[1];
      if (fields[3] === '0A' && localPort && parseInt(localPort, 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function socketsOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket) inodes.add(socket[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

function holdsAny(pid: number, listening: Set<string>): boolean {
  return listening.size > 0 && [...socketsOf(pid)].some((inode) => listening.has(inode));
}

/** Whether this very process holds a socket listening on the port. */
export function listensOn(pid: number, port: number): boolean {
  return holdsAny(pid, listeningSockets(port));
}

/** The processes (of those we may inspect: our user's) listening on a port. */
export function listenersOn(port: number): number[] {
  const listening = listeningSockets(port);
  if (listening.size === 0) return [];
  return allPids().filter((pid) => holdsAny(pid, listening));
}
