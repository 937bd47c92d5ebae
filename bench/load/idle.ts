// Memory per idle socket: the bridge's process (the bench's own: the bridge runs in-process) is
// measured after a forced GC before and after a child opens `count` authenticated WebSocket
// sockets that then say nothing, one user each; the growth divided by the count. RSS is what a
// machine must have; the V8 heap and the memory outside it (ws buffers, sockets' native
// handles) say where it goes.
import { setTimeout as delay } from 'node:timers/promises';
import type { BenchStack } from '../stack.ts';
import { Clients, openFilesLimit, raiseOpenFiles } from './client-process.ts';

/** The goal per socket (issue #13): 20,000 idle sockets in 600 MB. */
export const IDLE_SOCKET_GOAL_BYTES = 30 * 1024;
/**
 * Loopback addresses to connect from (all of 127.0.0.0/8 is loopback on Linux): each has its
 * own ephemeral ports, so 20,000 sockets never run out of the ~28,000 one address has.
 */
const SOURCE_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
/** Sockets per client child: well under any open-file limit a Node process starts with (it raises soft to hard). */
const SOCKETS_PER_CHILD = 5_000;
/** The bridge's own descriptors besides the apps' sockets: listeners, PostgreSQL, Redis, Synapse, files. */
const BRIDGE_FILES = 300;

export interface IdleSocketBytes {
  sockets: number;
  /** Growth per socket of the resident set, the V8 heap in use, and memory outside the heap. */
  rss: number;
  heap_used: number;
  external: number;
  goal: number;
  connect_seconds: number;
}

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  if (!globalThis.gc) throw new Error('the idle-socket step needs node --expose-gc (npm run bench:load passes it)');
  // Handshakes' last promises (presence in Redis) settle, then two full collections.
  await delay(1_000);
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage();
}

export async function measureIdleSockets(stack: BenchStack, wanted: number, log: (line: string) => void): Promise<IdleSocketBytes> {
  // A container may forbid raising the hard limit (no CAP_SYS_RESOURCE): then the bridge holds
  // what its limit allows, and the count says so.
  raiseOpenFiles(process.pid);
  const count = Math.min(wanted, openFilesLimit(process.pid) - BRIDGE_FILES);
  if (count < wanted)
    log(`idle sockets: ${count} instead of ${wanted}, the bridge's open-file limit (${openFilesLimit(process.pid)}) could not be raised`);
  const before = await settledMemory();
  const children = Array.from({ length: Math.ceil(count / SOCKETS_PER_CHILD) }, () => new Clients());
  try {
    const replies = await Promise.all(
      children.map((clients, index) =>
        clients.request(
          {
            type: 'connect-idle',
            bridgeUrl: stack.bridgeUrl,
            jwtSecret: stack.jwtSecret,
            from: index * SOCKETS_PER_CHILD,
            to: Math.min(count, (index + 1) * SOCKETS_PER_CHILD),
            sourceAddresses: SOURCE_ADDRESSES,
          },
          'connected',
        ),
      ),
    );
    const sockets = replies.reduce((sum, reply) => sum + reply.sockets, 0);
    const after = await settledMemory();
    const perSocket = (key: 'rss' | 'heapUsed' | 'external') => Math.round((after[key] - before[key]) / sockets);
    return {
      sockets,
      rss: perSocket('rss'),
      heap_used: perSocket('heapUsed'),
      external: perSocket('external'),
      goal: IDLE_SOCKET_GOAL_BYTES,
      connect_seconds: Math.round(Math.max(...replies.map((reply) => reply.seconds)) * 10) / 10,
    };
  } finally {
    for (const clients of children) clients.close();
  }
}
