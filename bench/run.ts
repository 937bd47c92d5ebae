// npm run bench: reads (history, catch-up) from a read model seeded with a year of messages
// against the same reads from Synapse; then the bridge's Socket.io facade, raw Synapse and a bare
// Socket.io relay under the same workload, in one run, interleaved round by round (the machine is
// shared and noisy: only ratios measured side by side count); then push, photos and the text
// filter. Progress goes to stderr; the last stdout line is the JSON.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startFacade } from './facade.ts';
import { measureImages } from './image-bench.ts';
import { measurePush } from './push-bench.ts';
import { measureReads, type ReadSettings } from './read-bench.ts';
import { startSocketioRelay } from './socketio-relay.ts';
import { startStack, type BenchStack } from './stack.ts';
import { percentile, ratio, round2, summarize } from './stats.ts';
import { SYNAPSE_MEASURES, startSynapseDirect } from './synapse-direct.ts';
import { Deliveries, run, type RunResult, type Target } from './workload.ts';

const settings = {
  sequential: Number(process.env.BENCH_MESSAGES ?? 300),
  burst: Number(process.env.BENCH_BURST ?? 450),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  warmup: 20,
  timeoutMs: 15_000,
  sequentialCapMs: 40_000,
  burstCapMs: 15_000,
};
const readSettings: ReadSettings = {
  messages: Number(process.env.BENCH_READ_MODEL_MESSAGES ?? 1_000_000),
  historyCalls: Number(process.env.BENCH_HISTORY_CALLS ?? 900),
  catchupCalls: Number(process.env.BENCH_CATCHUP_CALLS ?? 300),
  rounds: 3,
  historyLimit: 50,
  catchup: 1000,
  fillConcurrency: 16,
  // Long enough to collect the garbage the bench's own setup left behind (seeding, the write
  // benchmarks), so the rounds measure the reads in steady state, on both sides alike.
  warmup: 50,
  timeoutMs: 30_000,
  capMs: 45_000,
};
const WATCHDOG_MS = 9 * 60_000;
/** A system whose messages fail more often than this fails the run. */
const MAX_ERROR_RATE = 0.05;

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const MEASURES: Record<string, string> = {
  facade:
    "customer socket emits message:send until the artist's socket receives `message` (through Synapse, the AS transaction and the read model); ack = the message:send acknowledgement",
  synapse: SYNAPSE_MEASURES,
  socketio: 'bare Socket.io relay: emit until the other client receives the broadcast; ack = the relay acknowledgement',
};

interface Tally {
  sequential: RunResult[];
  burst: RunResult[];
  /** CPU time of this process (µs) spent while this system ran, and the messages it carried. */
  cpuMicros: number;
}

function report(name: string, tally: Tally) {
  const seq = tally.sequential.flatMap((r) => r.samples);
  const burst = tally.burst.flatMap((r) => r.samples);
  const latency = summarize(seq.map((s) => s.latencyMs));
  const ack = summarize(seq.map((s) => s.ackMs));
  const burstLatency = summarize(burst.map((s) => s.latencyMs));
  const burstSeconds = tally.burst.reduce((sum, r) => sum + r.elapsedMs, 0) / 1000;
  const errors = [...tally.sequential, ...tally.burst].flatMap((r) => r.errors);
  return {
    p50_ms: latency.p50_ms,
    p95_ms: latency.p95_ms,
    p99_ms: latency.p99_ms,
    mean_ms: latency.mean_ms,
    max_ms: latency.max_ms,
    msgs_per_s: round2(burstSeconds > 0 ? burst.length / burstSeconds : undefined),
    ack_p50_ms: ack.p50_ms,
    ack_p95_ms: ack.p95_ms,
    ack_p99_ms: ack.p99_ms,
    burst_p50_ms: burstLatency.p50_ms,
    burst_p99_ms: burstLatency.p99_ms,
    rounds_p50_ms: tally.sequential.map((r) => summarize(r.samples.map((s) => s.latencyMs)).p50_ms),
    sequential_messages: seq.length,
    burst_messages: burst.length,
    errors: errors.length,
    first_error: errors[0],
    // The bridge, its Socket.io clients and (for `synapse`) the HTTP client share this process.
    cpu_us_per_msg: round2(tally.cpuMicros / Math.max(1, seq.length + burst.length)),
    measures: MEASURES[name],
  };
}

async function serverVersion(synapseUrl: string): Promise<string | null> {
  try {
    const response = await fetch(`${synapseUrl}/_synapse/admin/v1/server_version`);
    return ((await response.json()) as { server_version?: string }).server_version ?? null;
  } catch {
    return null;
  }
}

async function measure(stack: BenchStack) {
  const targets: { target: Target; deliveries: Deliveries; tally: Tally }[] = [];
  const add = async (start: (d: Deliveries) => Promise<Target>) => {
    const deliveries = new Deliveries();
    targets.push({ target: await start(deliveries), deliveries, tally: { sequential: [], burst: [], cpuMicros: 0 } });
  };
  try {
    log('setting up: a booking on the bridge, a raw Synapse room, a bare Socket.io relay');
    await add((d) => startFacade({ ...stack, timeoutMs: settings.timeoutMs }, d));
    await add((d) => startSynapseDirect({ ...stack, log }, d));
    await add((d) => startSocketioRelay({ timeoutMs: settings.timeoutMs }, d));

    for (const { target, deliveries } of targets) {
      const warm = await run(target, deliveries, { count: settings.warmup, concurrency: 1, capMs: 30_000, timeoutMs: settings.timeoutMs });
      if (warm.errors.length) throw new Error(`${target.name} warm-up failed: ${warm.errors[0]}`);
    }
    log(`warmed up (${settings.warmup} messages each)`);

    let index = settings.warmup;
    for (let round = 0; round < settings.rounds; round++) {
      // Rotate the order each round so slow drifts of the machine hit every system alike.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const { target, deliveries, tally } of order) {
        const cpuBefore = process.cpuUsage();
        const sequential = await run(target, deliveries, {
          count: Math.ceil(settings.sequential / settings.rounds),
          concurrency: 1,
          capMs: settings.sequentialCapMs,
          timeoutMs: settings.timeoutMs,
          firstIndex: index,
        });
        index += sequential.samples.length + sequential.errors.length;
        const burst = await run(target, deliveries, {
          count: Math.ceil(settings.burst / settings.rounds),
          concurrency: settings.concurrency,
          capMs: settings.burstCapMs,
          timeoutMs: settings.timeoutMs,
          firstIndex: index,
        });
        index += burst.samples.length + burst.errors.length;
        const cpu = process.cpuUsage(cpuBefore);
        tally.cpuMicros += cpu.user + cpu.system;
        tally.sequential.push(sequential);
        tally.burst.push(burst);
        const p50 = summarize(sequential.samples.map((s) => s.latencyMs)).p50_ms;
        const rate = round2(burst.samples.length / (burst.elapsedMs / 1000));
        const errors = sequential.errors.length + burst.errors.length;
        log(
          `round ${round + 1}/${settings.rounds} ${target.name.padEnd(8)} p50 ${p50} ms, burst ${rate} msg/s${errors ? `, ${errors} errors` : ''}`,
        );
      }
    }
    return Object.fromEntries(targets.map(({ target, tally }) => [target.name, report(target.name, tally)]));
  } finally {
    for (const { target } of targets) await target.close().catch((error) => log(`closing ${target.name}: ${error.message}`));
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  log(`settings ${JSON.stringify(settings)} reads ${JSON.stringify(readSettings)}`);
  const stack = await startStack(log);
  const stopStack = once(() => stack.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void stopStack().finally(() => process.exit(130));
    });
  }
  let systems: Awaited<ReturnType<typeof measure>>;
  let synapseVersion: string | null;
  let reads: Awaited<ReturnType<typeof measureReads>> | undefined;
  let readError: string | undefined;
  let images: Awaited<ReturnType<typeof measureImages>> | undefined;
  let push: Awaited<ReturnType<typeof measurePush>> | undefined;
  const extraErrors: string[] = [];
  try {
    synapseVersion = await serverVersion(stack.synapseUrl);
    // Reads first: their millisecond tails would otherwise pay for the garbage the photo and push
    // benchmarks leave in this process. The writes then run against a read model of a year.
    try {
      reads = await measureReads(stack, readSettings, log);
    } catch (error) {
      readError = (error as Error).stack ?? String(error);
      log(`read benchmarks failed: ${readError}`);
    }
    systems = await measure(stack);
    try {
      push = await measurePush(
        stack,
        stack.fcm,
        { messages: Number(process.env.BENCH_PUSH_MESSAGES ?? 200), concurrency: 8, timeoutMs: 30_000 },
        log,
      );
    } catch (error) {
      extraErrors.push(`push: ${(error as Error).message}`);
    }
    try {
      images = await measureImages(stack, { uploads: Number(process.env.BENCH_IMAGES ?? 12), concurrency: 2, timeoutMs: 60_000 }, log);
    } catch (error) {
      extraErrors.push(`images: ${(error as Error).message}`);
    }
  } finally {
    log('stopping the bridge and Synapse');
    await stopStack();
  }
  let filter: Record<string, unknown> | null = null;
  try {
    log('text filter: 500-character messages (bench/filter-bench.ts)');
    const output = execFileSync(process.execPath, [new URL('./filter-bench.ts', import.meta.url).pathname], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    filter = (JSON.parse(output.trim().split('\n').at(-1)!) as { filter: Record<string, unknown> }).filter;
  } catch (error) {
    extraErrors.push(`filter: ${(error as Error).message}`);
  }
  const { facade, synapse, socketio } = systems as Record<'facade' | 'synapse' | 'socketio', ReturnType<typeof report>>;
  const failures = Object.entries(systems)
    .filter(([, s]) => s.sequential_messages === 0 || s.errors > MAX_ERROR_RATE * (s.sequential_messages + s.burst_messages + s.errors))
    .map(([name, s]) => `${name}: ${s.errors} errors (${s.first_error})`);
  if (readError) failures.push(`reads: ${readError.split('\n')[0]}`);
  failures.push(...extraErrors);
  for (const [name, r] of Object.entries({ history: reads?.history, catchup: reads?.catchup })) {
    if (!r) continue;
    if (r.calls === 0 || r.synapse_calls === 0 || r.errors > MAX_ERROR_RATE * (r.calls + r.synapse_calls + r.errors)) {
      failures.push(`${name}: ${r.errors} errors (${r.first_error})`);
    }
  }
  const result = {
    facade,
    synapse,
    socketio,
    history: reads?.history ?? null,
    catchup: reads?.catchup ?? null,
    read_model: reads?.read_model ?? null,
    images: images ?? null,
    push: push ?? null,
    filter: filter && { ...filter, bridge_cpu_us_per_msg: facade.cpu_us_per_msg },
    ratios: {
      facade_vs_synapse_p50: ratio(facade.p50_ms, synapse.p50_ms),
      facade_vs_synapse_p95: ratio(facade.p95_ms, synapse.p95_ms),
      facade_vs_synapse_p99: ratio(facade.p99_ms, synapse.p99_ms),
      facade_vs_synapse_msgs_per_s: ratio(facade.msgs_per_s, synapse.msgs_per_s),
      facade_vs_synapse_ack_p50: ratio(facade.ack_p50_ms, synapse.ack_p50_ms),
      facade_vs_socketio_p50: ratio(facade.p50_ms, socketio.p50_ms),
      facade_vs_socketio_p99: ratio(facade.p99_ms, socketio.p99_ms),
      socketio_vs_facade_msgs_per_s: ratio(socketio.msgs_per_s, facade.msgs_per_s),
      synapse_vs_socketio_p50: ratio(synapse.p50_ms, socketio.p50_ms),
      // Same-round ratios cancel most of the machine's drift; their median is the robust figure.
      facade_vs_synapse_p50_rounds: facade.rounds_p50_ms.map((f, i) => ratio(f, synapse.rounds_p50_ms[i])),
      facade_vs_synapse_p50_round_median: medianOf(facade.rounds_p50_ms.map((f, i) => ratio(f, synapse.rounds_p50_ms[i]))),
      facade_overhead_over_synapse_p50_ms: round2((facade.p50_ms ?? NaN) - (synapse.p50_ms ?? NaN)),
      // Reads: how many times faster the facade answers than Synapse (> 1: the facade is faster).
      history_synapse_vs_facade_p50: reads?.history.speedup_p50 ?? null,
      history_synapse_vs_facade_p99: reads?.history.speedup_p99 ?? null,
      catchup_synapse_vs_facade_p50: reads?.catchup.speedup_p50 ?? null,
      catchup_synapse_vs_facade_p99: reads?.catchup.speedup_p99 ?? null,
    },
    env: {
      node: process.version,
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? null,
      platform: `${process.platform}-${process.arch}`,
      synapse: synapseVersion,
      loadavg_1m_before: round2(loadBefore),
      loadavg_1m_after: round2(loadavg()[0]),
      workload: {
        sequential_messages: settings.sequential,
        burst_messages: settings.burst,
        burst_concurrency: settings.concurrency,
        rounds: settings.rounds,
        text_chars: 110,
        reads: {
          read_model_messages: readSettings.messages,
          history_calls: readSettings.historyCalls,
          catchup_calls: readSettings.catchupCalls,
          rounds: readSettings.rounds,
          history_limit: readSettings.historyLimit,
          catchup_messages: readSettings.catchup,
        },
      },
      notes:
        'bridge, relay and all clients run in this Node process; Synapse and PostgreSQL are separate processes on loopback. msgs_per_s = delivered messages per second in the closed-loop burst. Reads are sequential (one call at a time), each answer checked (count of messages), warm caches on both sides.',
      duration_s: round2((performance.now() - started) / 1000),
    },
    failures,
  };
  for (const failure of failures) log(`FAILED ${failure}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return failures.length ? 1 : 0;
}

function medianOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return round2(percentile(present, 50));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}

const watchdog = setTimeout(() => {
  log(`still running after ${WATCHDOG_MS / 1000} s: giving up`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
