// CPU time of a group of processes from /proc/<pid>/stat (utime + stime, every thread), sampled
// before and after a step: processes present at both samples count (a PostgreSQL backend that
// came or went during the step is left out, which undercounts a little and never double counts).
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { processesWith } from '../../bridge/src/stack/processes.ts';
import { POSTGRES_ADMIN_URL } from '../../bridge/test/support/services.ts';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

export type CpuSample = Map<number, number>;

function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 0, utime 11, stime 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export function sample(pids: number[]): CpuSample {
  const taken: CpuSample = new Map();
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms !== undefined) taken.set(pid, ms);
  }
  return taken;
}

export function usedMs(before: CpuSample, after: CpuSample): number {
  let total = 0;
  for (const [pid, ms] of after) {
    const start = before.get(pid);
    if (start !== undefined) total += ms - start;
  }
  return total;
}

/**
 * How many times the threads of this process have gone to sleep so far (voluntary context
 * switches, from /proc): each is a wake-up later. On the development VM each costs 100–170 µs of
 * CPU before any work (docs/operations.md, "Wake-ups"), so wake-ups per message explain much of
 * the CPU per message at low rates, and they count the same however busy the machine is.
 */
export function wakeUps(pid: number): number {
  let total = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8');
      total += Number(status.match(/^voluntary_ctxt_switches:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}

/** Every Synapse process of a data folder (main and workers): their command lines name its config. */
export function synapsePids(dataDir: string): number[] {
  return processesWith([`${dataDir}/homeserver.yaml`]);
}

/** The PostgreSQL backends serving these databases now (the server is shared: only ours count). */
export async function postgresPids(databases: string[]): Promise<number[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)', [databases]);
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/**
 * Transactions committed or rolled back so far per database (pg_stat_database; a statement
 * outside a transaction block counts as one): the round trips a component makes per message.
 * PostgreSQL publishes these counters within about a second, well inside a step's drain.
 */
export async function databaseTransactions(databases: string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; xacts: string }>(
      'SELECT datname, xact_commit + xact_rollback AS xacts FROM pg_stat_database WHERE datname = ANY($1)',
      [databases],
    );
    return new Map(rows.map((row) => [row.datname, Number(row.xacts)]));
  } finally {
    await client.end();
  }
}
