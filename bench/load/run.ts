// npm run bench:load: many chats at once against the whole stack, for each Synapse topology in
// one run (a monolith, then SYNAPSE_WORKERS): per number of sockets, a ladder of open-loop
// Poisson rates; per step the delivered p50/p99, acknowledged vs delivered (lost must be 0) and
// the CPU per message of the bridge (this process: the bridge runs in-process, the apps in a
// child), of every Synapse process and of the PostgreSQL backends serving this stack. The last
// stdout line is one JSON object with capacity_msgs_per_s per topology: the highest rate whose
// p99 stays ≤ 500 ms with nothing lost. BENCH_QUICK=1: 200 sockets, two rates, short steps.
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { newBenchBooking } from '../facade.ts';
import { round2 } from '../stats.ts';
import { startStack, type BenchStack } from '../stack.ts';
import type { ChatSpec, ClientCommand, ClientReply, StepResult } from './clients.ts';
import { postgresPids, sample, synapsePids, usedMs } from './cpu.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const settings = {
  sockets: list(process.env.BENCH_LOAD_SOCKETS, QUICK ? [200] : [200, 1_000, 5_000]),
  rates: list(process.env.BENCH_LOAD_RATES, QUICK ? [10, 25] : [10, 20, 40, 80, 160, 320]),
  stepMs: Number(process.env.BENCH_LOAD_STEP_SECONDS ?? (QUICK ? 10 : 30)) * 1000,
  drainMs: 15_000,
  workers: Number(process.env.BENCH_LOAD_WORKERS ?? 2),
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

class Clients {
  private readonly child: ChildProcess = fork(new URL('./clients.ts', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

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

const withinLimits = (line: StepLine) => line.result.lost === 0 && line.result.refused === 0 && (line.result.latency.p99_ms ?? Infinity) <= P99_LIMIT_MS;

async function measureTopology(topology: (typeof TOPOLOGIES)[number], lines: StepLine[]): Promise<number> {
  const stack = await startStack(log, topology.stack);
  let capacity = 0;
  try {
    const chats: ChatSpec[] = [];
    for (const sockets of settings.sockets) {
      const wanted = Math.ceil(sockets / 2);
      const started = performance.now();
      chats.push(...(await createChats(stack, wanted - chats.length)));
      log(`${topology.name}: ${chats.length} bookings ready (${((performance.now() - started) / 1000).toFixed(1)} s for the new ones)`);
      // A fresh child per size: exactly `sockets` sockets are open during its steps.
      const clients = new Clients();
      try {
        const connected = await clients.request({ type: 'connect', bridgeUrl: stack.bridgeUrl, jwtSecret: stack.jwtSecret, chats: chats.slice(0, wanted) }, 'connected');
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

log(`${QUICK ? 'quick mode: ' : ''}sockets ${settings.sockets.join(', ')}; rates ${settings.rates.join(', ')}/s; ${settings.stepMs / 1000} s per step; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
const lines: StepLine[] = [];
const capacity: Record<string, number> = {};
for (const topology of TOPOLOGIES) capacity[topology.name] = await measureTopology(topology, lines);
console.log(
  JSON.stringify({
    capacity_msgs_per_s: capacity,
    p99_limit_ms: P99_LIMIT_MS,
    quick: QUICK,
    synapse_workers: settings.workers,
    steps: lines,
  }),
);
process.exit(0);
