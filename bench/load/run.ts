// npm run bench:load: many chats at once against the whole stack, for each Synapse topology in
// one run (a monolith, then SYNAPSE_WORKERS): per number of sockets, a ladder of open-loop
// Poisson rates; per step the delivered p50/p99, acknowledged vs delivered (lost must be 0) and
// the CPU per message of the bridge (this process: the bridge runs in-process, the apps in a
// child), of every Synapse process and of the PostgreSQL backends serving this stack. The last
// stdout line is one JSON object with capacity_msgs_per_s per topology: the highest rate whose
// p99 stays ≤ 500 ms with nothing lost. First, on the monolith's fresh bridge, the memory per idle
// socket (idle.ts): 20,000 sockets, or BENCH_LOAD_IDLE_SOCKETS (0 skips it); BENCH_LOAD_IDLE_ONLY=1
// measures only that. BENCH_QUICK=1: 200 sockets, two rates, short steps, 2,000 idle sockets.
// Before the steps, per topology, room creation: BENCH_LOAD_ROOM_SAMPLES (40) new bookings PUT
// one at a time, each once the room pool is topped up, p50 against its goal (room_creation_ms in
// the JSON), and how long until each room was in line with its booking (members in, named:
// room_in_line_ms; a send waits for that). BENCH_LOAD_TOPOLOGIES
// (monolith,workers) picks topologies. Before the rates of each number of sockets, the CPU the
// processes spend with the sockets open and nobody sending (BENCH_LOAD_IDLE_CPU_SECONDS, 10):
// heartbeats, polling, timers. Each step also prints its CPU per message above that
// (cpu_ms_per_msg_above_idle): what one more message costs, which the fixed costs spread over
// few messages at low rates would otherwise hide. Per step too, the times the bridge's threads
// woke per message, and first what one wake-up of an idle process costs on this machine
// (wake_up_cpu_us, wake-cost.ts): on a VM, most of the bridge's CPU per message at low rates.
// Also first, at each rate of the ladder, the floor: what a bridge doing only the architecture's
// round trips, with the same libraries, costs per message here (bridge_floor, floor.ts;
// BENCH_LOAD_FLOOR_SECONDS, 15, 0 skips it); each step prints the bridge's CPU against it.
import { cpus, loadavg } from 'node:os';
import { newBenchBooking } from '../facade.ts';
import { round2, summarize, type LatencySummary } from '../stats.ts';
import { startStack, type BenchStack } from '../stack.ts';
import { Clients } from './client-process.ts';
import { measureIdleSockets, type IdleSocketBytes } from './idle.ts';
import type { ChatSpec, StepResult } from './clients.ts';
import { databaseTransactions, postgresPids, sample, synapsePids, usedMs, wakeUps } from './cpu.ts';
import { measureFloor, type FloorResult } from './floor.ts';
import { profileStep } from './profile.ts';
import { wakeUpCostUs } from './wake-cost.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const settings = {
  sockets: list(process.env.BENCH_LOAD_SOCKETS, QUICK ? [200] : [200, 1_000, 5_000]),
  rates: list(process.env.BENCH_LOAD_RATES, QUICK ? [10, 25] : [10, 20, 40, 80, 160, 320]),
  stepMs: Number(process.env.BENCH_LOAD_STEP_SECONDS ?? (QUICK ? 10 : 30)) * 1000,
  idleCpuMs: Number(process.env.BENCH_LOAD_IDLE_CPU_SECONDS ?? 10) * 1000,
  drainMs: 15_000,
  workers: Number(process.env.BENCH_LOAD_WORKERS ?? 2),
  idleSockets: Number(process.env.BENCH_LOAD_IDLE_SOCKETS ?? (QUICK ? 2_000 : 20_000)),
  idleOnly: process.env.BENCH_LOAD_IDLE_ONLY === '1',
  /** Bookings created one at a time first, each PUT timed: room creation's latency without queueing. */
  roomSamples: Number(process.env.BENCH_LOAD_ROOM_SAMPLES ?? 40),
  floorSeconds: Number(process.env.BENCH_LOAD_FLOOR_SECONDS ?? 15),
  topologies: process.env.BENCH_LOAD_TOPOLOGIES?.split(','),
};
const P99_LIMIT_MS = 500;
/** Goal for creating a booking's chat (PUT /bookings/:id of a new booking), p50, one at a time. */
const ROOM_CREATION_P50_GOAL_MS = 100;
/** Goals for CPU per delivered message (issue #13): the bridge process alone. */
const BRIDGE_CPU_GOAL_MS = 1;
const TOPOLOGIES = [
  { name: 'monolith', stack: { name: 'load_monolith', synapsePort: 8300, appservicePort: 9300, workers: 0 } },
  { name: 'workers', stack: { name: 'load_workers', synapsePort: 8310, appservicePort: 9310, workers: settings.workers } },
].filter((topology) => !settings.topologies || settings.topologies.includes(topology.name));

const log = (line: string) => process.stderr.write(`[bench:load ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface StepLine {
  topology: string;
  sockets: number;
  rate: number;
  result: StepResult;
  cpu_ms_per_msg: CpuPerProcess;
  /** The same less what the processes spend with nobody sending (IdleCpu) over the step's time. */
  cpu_ms_per_msg_above_idle: CpuPerProcess;
  /** PostgreSQL transactions per delivered message in the bridge's database and in Synapse's. */
  db_xacts_per_msg: { bridge: number | null; synapse: number | null };
  /** Times the bridge's threads woke per delivered message, and the same above idle (cpu.ts wakeUps). */
  bridge_wake_ups_per_msg: { all: number | null; above_idle: number | null };
  /** The bridge's CPU per message over the floor's at this rate (floor.ts). */
  bridge_over_floor: number | null;
}

const asChat = (booking: Awaited<ReturnType<typeof newBenchBooking>>): ChatSpec => ({
  bookingId: booking.bookingId,
  customerId: booking.customer.id,
  artistId: booking.artist.id,
});

/** New bookings one after another, each PUT (room, invites, joins, stored row) timed on its own. */
/** How often the bench looks whether a new booking's room is in line (a measurement, not a wait for correctness). */
const IN_LINE_POLL_MS = 2;

async function timeRoomCreation(stack: BenchStack, count: number, made: ChatSpec[]): Promise<RoomCreation> {
  const puts: number[] = [];
  const inLine: number[] = [];
  for (let index = 0; index < count; index++) {
    await stack.app.roomPool.settled();
    const started = performance.now();
    const chat = asChat(await newBenchBooking({ bridgeUrl: stack.bridgeUrl, serviceToken: stack.serviceToken }, 'load'));
    puts.push(performance.now() - started);
    made.push(chat);
    while (!(await roomInLine(stack, chat.bookingId))) await new Promise((resolve) => setTimeout(resolve, IN_LINE_POLL_MS));
    inLine.push(performance.now() - started);
  }
  return { put: summarize(puts), inLine: summarize(inLine) };
}

async function roomInLine(stack: BenchStack, bookingId: string): Promise<boolean> {
  const row = await stack.app.db('bookings').where({ booking_id: bookingId }).first('matrix_version', 'matrix_synced_version');
  return row.matrix_synced_version === row.matrix_version;
}

/** How often the bench looks whether every new booking's room is in line before a step. */
const STEADY_POLL_MS = 100;

async function everyRoomInLine(stack: BenchStack): Promise<void> {
  const behind = async () =>
    Number(
      (await stack.app.db('bookings').whereRaw('matrix_synced_version <> matrix_version').count<{ count: string }[]>('* AS count'))[0]!
        .count,
    );
  while ((await behind()) > 0) await new Promise((resolve) => setTimeout(resolve, STEADY_POLL_MS));
  await stack.app.roomPool.settled();
}

interface RoomCreation {
  /** PUT /bookings/:id of a new booking: what the booking system waits. */
  put: LatencySummary;
  /** From the PUT until the room has the members and the name: what a first send may wait. */
  inLine: LatencySummary;
}

/** Bookings created over REST as the booking system does, a few at a time. */
async function createChats(stack: BenchStack, count: number): Promise<ChatSpec[]> {
  const made: ChatSpec[] = [];
  let claimed = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (claimed < count) {
        claimed++;
        made.push(asChat(await newBenchBooking({ bridgeUrl: stack.bridgeUrl, serviceToken: stack.serviceToken }, 'load')));
      }
    }),
  );
  return made;
}

interface CpuPerProcess {
  bridge: number | null;
  synapse: number | null;
  postgres: number | null;
}

/** CPU milliseconds per second of each group of processes with the sockets open and nobody sending. */
type IdleCpu = Record<keyof CpuPerProcess, number> & { bridge_wake_ups: number };

async function processesOf(stack: BenchStack) {
  return { bridge: [process.pid], synapse: synapsePids(stack.synapseDataDir), postgres: await postgresPids(stack.databases) };
}

async function measureIdleCpu(stack: BenchStack): Promise<IdleCpu> {
  const pids = await processesOf(stack);
  const before = { bridge: sample(pids.bridge), synapse: sample(pids.synapse), postgres: sample(pids.postgres) };
  const wakeUpsBefore = wakeUps(process.pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, settings.idleCpuMs));
  const seconds = (performance.now() - started) / 1000;
  const perSecond = (key: keyof CpuPerProcess) => Math.round((usedMs(before[key], sample(pids[key])) / seconds) * 100) / 100;
  return {
    bridge: perSecond('bridge'),
    synapse: perSecond('synapse'),
    postgres: perSecond('postgres'),
    bridge_wake_ups: Math.round(((wakeUps(process.pid) - wakeUpsBefore) / seconds) * 100) / 100,
  };
}

function overFloor(rate: number, bridgeCpu: number | null): number | null {
  const floorCpu = floor[rate]?.cpu_ms_per_msg;
  return floorCpu && bridgeCpu !== null ? round2(bridgeCpu / floorCpu) : null;
}

async function measureStep(
  stack: BenchStack,
  clients: Clients,
  topology: string,
  sockets: number,
  rate: number,
  idle: IdleCpu,
): Promise<StepLine> {
  const { synapse, postgres } = await processesOf(stack);
  const profile = await profileStep(`${topology}-${sockets}-${rate}`, synapse, settings.stepMs);
  const [bridgeDb, synapseDb] = stack.databases;
  const xactsBefore = await databaseTransactions(stack.databases);
  const before = { bridge: sample([process.pid]), synapse: sample(synapse), postgres: sample(postgres) };
  const wakeUpsBefore = wakeUps(process.pid);
  const started = performance.now();
  const { result } = await clients.request({ type: 'step', rate, durationMs: settings.stepMs, drainMs: settings.drainMs }, 'step');
  const after = { bridge: sample([process.pid]), synapse: sample(synapse), postgres: sample(postgres) };
  const woke = wakeUps(process.pid) - wakeUpsBefore;
  const seconds = (performance.now() - started) / 1000;
  await profile.stop();
  const xactsAfter = await databaseTransactions(stack.databases);
  const xacts = (database: string | undefined) =>
    result.delivered && database ? round2(((xactsAfter.get(database) ?? 0) - (xactsBefore.get(database) ?? 0)) / result.delivered) : null;
  const perMessage = (key: keyof typeof before, less = 0) =>
    result.delivered ? round2((usedMs(before[key], after[key]) - less) / result.delivered) : null;
  const aboveIdle = (key: keyof typeof before) => perMessage(key, idle[key] * seconds);
  const wakeUpsPerMessage = (less = 0) => (result.delivered ? round2((woke - less) / result.delivered) : null);
  return {
    topology,
    sockets,
    rate,
    result,
    cpu_ms_per_msg: { bridge: perMessage('bridge'), synapse: perMessage('synapse'), postgres: perMessage('postgres') },
    cpu_ms_per_msg_above_idle: { bridge: aboveIdle('bridge'), synapse: aboveIdle('synapse'), postgres: aboveIdle('postgres') },
    db_xacts_per_msg: { bridge: xacts(bridgeDb), synapse: xacts(synapseDb) },
    bridge_wake_ups_per_msg: { all: wakeUpsPerMessage(), above_idle: wakeUpsPerMessage(idle.bridge_wake_ups * seconds) },
    bridge_over_floor: overFloor(rate, perMessage('bridge')),
  };
}

function describe(line: StepLine): string {
  const r = line.result;
  const cpu = line.cpu_ms_per_msg;
  const above = line.cpu_ms_per_msg_above_idle;
  return (
    `${line.topology} ${line.sockets} sockets @ ${line.rate}/s: delivered p50 ${r.latency.p50_ms} ms p99 ${r.latency.p99_ms} ms; ` +
    `sent ${r.sent} acknowledged ${r.acknowledged} delivered ${r.delivered} lost ${r.lost} refused ${r.refused}; ` +
    `CPU ms/msg bridge ${cpu.bridge} (goal ≤ ${BRIDGE_CPU_GOAL_MS}) synapse ${cpu.synapse} postgres ${cpu.postgres}; ` +
    `above idle bridge ${above.bridge} synapse ${above.synapse} postgres ${above.postgres}; ` +
    `DB transactions/msg bridge ${line.db_xacts_per_msg.bridge} synapse ${line.db_xacts_per_msg.synapse}; ` +
    `bridge wake-ups/msg ${line.bridge_wake_ups_per_msg.all} (above idle ${line.bridge_wake_ups_per_msg.above_idle}); ` +
    `bridge CPU ${line.bridge_over_floor ?? '-'}× the floor's (${floor[line.rate]?.cpu_ms_per_msg ?? '-'} ms)`
  );
}

const withinLimits = (line: StepLine) =>
  line.result.lost === 0 && line.result.refused === 0 && (line.result.latency.p99_ms ?? Infinity) <= P99_LIMIT_MS;

let idleSocketBytes: IdleSocketBytes | null = null;
const roomCreation: Record<string, LatencySummary> = {};
const roomInLineMs: Record<string, LatencySummary> = {};
/** Per topology and number of sockets ("monolith-200"). */
const idleCpu: Record<string, IdleCpu> = {};

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
    if (settings.roomSamples > 0) {
      const { put, inLine } = await timeRoomCreation(stack, settings.roomSamples, chats);
      roomCreation[topology.name] = put;
      roomInLineMs[topology.name] = inLine;
      console.log(
        `${topology.name} room creation (PUT of a new booking, one at a time, ${put.count}): p50 ${put.p50_ms} ms (goal ≤ ${ROOM_CREATION_P50_GOAL_MS} ms) p95 ${put.p95_ms} ms max ${put.max_ms} ms; room in line p50 ${inLine.p50_ms} ms p95 ${inLine.p95_ms} ms`,
      );
    }
    for (const sockets of settings.idleOnly ? [] : settings.sockets) {
      const wanted = Math.ceil(sockets / 2);
      const started = performance.now();
      chats.push(...(await createChats(stack, wanted - chats.length)));
      log(`${topology.name}: ${chats.length} bookings created (${((performance.now() - started) / 1000).toFixed(1)} s for the new ones)`);
      // Measured from a steady state: the rooms made ahead brought in line and the pool full again.
      await everyRoomInLine(stack);
      log(`${topology.name}: every room in line ${((performance.now() - started) / 1000).toFixed(1)} s after the first new booking`);
      // A fresh child per size: exactly `sockets` sockets are open during its steps.
      const clients = new Clients();
      try {
        const connected = await clients.request(
          { type: 'connect', bridgeUrl: stack.bridgeUrl, jwtSecret: stack.jwtSecret, chats: chats.slice(0, wanted) },
          'connected',
        );
        log(`${topology.name}: ${connected.sockets} sockets connected in ${connected.seconds.toFixed(1)} s`);
        const idle = (idleCpu[`${topology.name}-${sockets}`] = await measureIdleCpu(stack));
        log(
          `${topology.name}: idle CPU ms/s bridge ${idle.bridge} synapse ${idle.synapse} postgres ${idle.postgres}; bridge wake-ups/s ${idle.bridge_wake_ups}`,
        );
        for (const rate of settings.rates) {
          const line = await measureStep(stack, clients, topology.name, sockets, rate, idle);
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
// Measured before any stack runs, at the rate of the steps it explains.
const wakeUpCpuUs = await wakeUpCostUs(settings.rates[0]);
console.log(`one wake-up of an idle process (woken ${settings.rates[0]} times a second, doing nothing): ${wakeUpCpuUs} µs of CPU`);
const floor: Record<number, FloorResult> = {};
for (const rate of settings.floorSeconds > 0 ? settings.rates : []) {
  floor[rate] = await measureFloor(rate, settings.floorSeconds);
  console.log(`the floor at ${rate}/s: ${floor[rate].cpu_ms_per_msg} ms of CPU and ${floor[rate].wake_ups_per_msg} wake-ups per message`);
}
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
    room_creation_ms: roomCreation,
    room_in_line_ms: roomInLineMs,
    idle_cpu_ms_per_s: idleCpu,
    wake_up_cpu_us: wakeUpCpuUs,
    bridge_floor: floor,
    goals: { room_creation_p50_ms: ROOM_CREATION_P50_GOAL_MS, bridge_cpu_ms_per_msg: BRIDGE_CPU_GOAL_MS },
    steps: lines,
  }),
);
process.exit(0);
