// npm run bench:load: many chats at once against the whole stack, for each Synapse topology in
// one run (a monolith, then SYNAPSE_WORKERS): per number of sockets, a ladder of open-loop
// Poisson rates; per step the delivered p50/p99, acknowledged vs delivered (lost must be 0) and
// the CPU per message of the bridge (this process: the bridge runs in-process, the apps in a
// child), of every Synapse process and of the PostgreSQL backends serving this stack. The last
// stdout line is one JSON object with capacity_msgs_per_s per topology: the highest rate whose
// p99 stays ≤ 500 ms with nothing lost. First, on the monolith's fresh bridge, the memory per idle
// socket (idle.ts): 20,000 sockets, or BENCH_LOAD_IDLE_SOCKETS (0 skips it); BENCH_LOAD_IDLE_ONLY=1
// measures only that. BENCH_QUICK=1: 200 sockets, two rates, short steps, 2,000 idle sockets.
import { cpus, loadavg } from 'node:os';
import { newBenchBooking } from '../facade.ts';
import { round2 } from '../stats.ts';
import { startStack, type BenchStack } from '../stack.ts';
import { Clients } from './client-process.ts';
import { measureIdleSockets, type IdleSocketBytes } from './idle.ts';
import type { ChatSpec, StepResult } from './clients.ts';
import { postgresPids, sample, synapsePids, usedMs } from './cpu.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const settings = {
  sockets: list(process.env.BENCH_LOAD_SOCKETS, QUICK ? [200] : [200, 1_000, 5_000]),
  rates: list(process.env.BENCH_LOAD_RATES, QUICK ? [10, 25] : [10, 20, 40, 80, 160, 320]),
  stepMs: Number(process.env.BENCH_LOAD_STEP_SECONDS ?? (QUICK ? 10 : 30)) * 1000,
  drainMs: 15_000,
  workers: Number(process.env.BENCH_LOAD_WORKERS ?? 2),
  idleSockets: Number(process.env.BENCH_LOAD_IDLE_SOCKETS ?? (QUICK ? 2_000 : 20_000)),
  idleOnly: process.env.BENCH_LOAD_IDLE_ONLY === '1',
};
const P99_LIMIT_MS = 500;
const TOPOLOGIES = [
  { name: 'monolith', stack: { name: 'load_monolith', synapsePort: 8300, appservicePort: 9300, workers: 0 } },
  { name: 'workers', stack: { name: 'load_workers', synapsePort: 8310, appservicePort: 9310, workers: settings.workers } },
];

const log = (line: string) => process.stderr.write(`[bench:load ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface StepLine {
  topology: string;
  sockets: number;
  rate: number;
  result: StepResult;
  cpu_ms_per_msg: { bridge: number | null; synapse: number | null; postgres: number | null };
}

/** Bookings created over REST as the booking system does, a few at a time. */
async function createChats(stack: BenchStack, count: number): Promise<ChatSpec[]> {
  const made: ChatSpec[] = [];
  let claimed = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (claimed < count) {
        claimed++;
        const booking = await newBenchBooking({ bridgeUrl: stack.bridgeUrl, serviceToken: stack.serviceToken }, 'load');
        made.push({ bookingId: booking.bookingId, customerId: booking.customer.id, artistId: booking.artist.id });
      }
    }),
  );
  return made;
}

async function measureStep(stack: BenchStack, clients: Clients, topology: string, sockets: number, rate: number): Promise<StepLine> {
  const synapse = synapsePids(stack.synapseDataDir);
  const postgres = await postgresPids(stack.databases);
  const before = { bridge: sample([process.pid]), synapse: sample(synapse), postgres: sample(postgres) };
  const { result } = await clients.request({ type: 'step', rate, durationMs: settings.stepMs, drainMs: settings.drainMs }, 'step');
  const after = { bridge: sample([process.pid]), synapse: sample(synapse), postgres: sample(postgres) };
  const perMessage = (key: keyof typeof before) => (result.delivered ? round2(usedMs(before[key], after[key]) / result.delivered) : null);
  return {
    topology,
    sockets,
    rate,
    result,
    cpu_ms_per_msg: { bridge: perMessage('bridge'), synapse: perMessage('synapse'), postgres: perMessage('postgres') },
  };
}

function describe(line: StepLine): string {
  const r = line.result;
  const cpu = line.cpu_ms_per_msg;
  return (
    `${line.topology} ${line.sockets} sockets @ ${line.rate}/s: delivered p50 ${r.latency.p50_ms} ms p99 ${r.latency.p99_ms} ms; ` +
    `sent ${r.sent} acknowledged ${r.acknowledged} delivered ${r.delivered} lost ${r.lost} refused ${r.refused}; ` +
    `CPU ms/msg bridge ${cpu.bridge} synapse ${cpu.synapse} postgres ${cpu.postgres}`
  );
}

const withinLimits = (line: StepLine) =>
  line.result.lost === 0 && line.result.refused === 0 && (line.result.latency.p99_ms ?? Infinity) <= P99_LIMIT_MS;

let idleSocketBytes: IdleSocketBytes | null = null;

async function measureTopology(topology: (typeof TOPOLOGIES)[number], lines: StepLine[]): Promise<number> {
  const stack = await startStack(log, topology.stack);
  let capacity = 0;
  try {
    if (topology.name === 'monolith' && settings.idleSockets > 0) {
      idleSocketBytes = await measureIdleSockets(stack, settings.idleSockets, log);
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
      const { sockets, rss, heap_used, external, goal, connect_seconds } = idleSocketBytes;
      console.log(
        `idle sockets: ${sockets} connected in ${connect_seconds} s; per socket RSS ${kb(rss)} (goal ≤ ${kb(goal)}), V8 heap ${kb(heap_used)}, outside the heap ${kb(external)}`,
      );
    }
    const chats: ChatSpec[] = [];
    for (const sockets of settings.idleOnly ? [] : settings.sockets) {
      const wanted = Math.ceil(sockets / 2);
      const started = performance.now();
      chats.push(...(await createChats(stack, wanted - chats.length)));
      log(`${topology.name}: ${chats.length} bookings ready (${((performance.now() - started) / 1000).toFixed(1)} s for the new ones)`);
      // A fresh child per size: exactly `sockets` sockets are open during its steps.
      const clients = new Clients();
      try {
        const connected = await clients.request(
          { type: 'connect', bridgeUrl: stack.bridgeUrl, jwtSecret: stack.jwtSecret, chats: chats.slice(0, wanted) },
          'connected',
        );
        log(`${topology.name}: ${connected.sockets} sockets connected in ${connected.seconds.toFixed(1)} s`);
        for (const rate of settings.rates) {
          const line = await measureStep(stack, clients, topology.name, sockets, rate);
          lines.push(line);
          console.log(describe(line));
          if (!withinLimits(line)) break;
          capacity = Math.max(capacity, rate);
        }
      } finally {
        clients.close();
      }
    }
  } finally {
    await stack.stop();
  }
  return capacity;
}

log(
  `${QUICK ? 'quick mode: ' : ''}${settings.idleSockets} idle sockets${settings.idleOnly ? ' only' : ''}; sockets ${settings.sockets.join(', ')}; rates ${settings.rates.join(', ')}/s; ${settings.stepMs / 1000} s per step; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
);
const lines: StepLine[] = [];
const capacity: Record<string, number> = {};
for (const topology of settings.idleOnly ? TOPOLOGIES.slice(0, 1) : TOPOLOGIES)
  capacity[topology.name] = await measureTopology(topology, lines);
console.log(
  JSON.stringify({
    capacity_msgs_per_s: capacity,
    p99_limit_ms: P99_LIMIT_MS,
    quick: QUICK,
    synapse_workers: settings.workers,
    idle_socket_bytes: idleSocketBytes,
    steps: lines,
  }),
);
process.exit(0);
