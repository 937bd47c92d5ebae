// node bench/filter-bench.ts: the cost of one text-filter check on a 500-character message, with
// the shipped configuration (config/filters.yaml). Messages are stitched from the test corpora
// (bridge/test/fixtures/safety): innocent booking chat, and in one message out of ten an evasion
// (hidden profanity or contact details) somewhere inside. Each check is timed on its own (wall
// clock). The machines are shared and noisy: the same messages run in several rounds, and the
// percentiles are of each message's best time over the rounds (a check another process
// preempted in one round is timed again in the next), with each round's own percentiles and the
// CPU time per message alongside. Progress goes to stderr; stdout gets one JSON line.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadFilterConfig } from '../bridge/src/safety/filter-config.ts';
import { TextFilter } from '../bridge/src/safety/text-filter.ts';
import { percentile } from './stats.ts';

/** Issue #5: under 50 µs per 500-character message at p99. */
const TARGET_P99_US = 50;
const MESSAGES = Number(process.env.BENCH_FILTER_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS ?? 3);
const LENGTH = 500;
const EVASION_SHARE = 0.1;
/** A long-running bridge checks in steady state: the optimising compiler has done its work. */
const WARMUP = Number(process.env.BENCH_FILTER_WARMUP ?? 20_000);

const fixtures = new URL('../bridge/test/fixtures/safety/', import.meta.url);
const innocent = JSON.parse(readFileSync(new URL('innocent.json', fixtures), 'utf8')) as string[];
const evasions = (JSON.parse(readFileSync(new URL('evasions.json', fixtures), 'utf8')) as Array<{ text: string }>).map((e) => e.text);

/** A small seeded generator (mulberry32): the same messages on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Input {
  text: string;
  evasion: boolean;
}

function messages(count: number, next: () => number): Input[] {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, () => {
    const parts: string[] = [];
    let size = 0;
    const evasionAt = next() < EVASION_SHARE ? Math.floor(next() * 8) : -1;
    while (size < LENGTH) {
      const part = parts.length === evasionAt ? pick(evasions) : pick(innocent);
      parts.push(part);
      size += part.length + 1;
    }
    return { text: parts.join(' ').slice(0, LENGTH), evasion: evasionAt >= 0 && evasionAt < parts.length };
  });
}

const filter = new TextFilter(loadFilterConfig(new URL('../config/filters.yaml', import.meta.url).pathname));
const next = random(20260501);
for (const { text } of messages(WARMUP, next)) filter.check(text);
const inputs = messages(MESSAGES, next);
process.stderr.write(
  `[filter-bench] ${inputs.length} messages of ${LENGTH} characters × ${ROUNDS} rounds, load ${loadavg()[0]!.toFixed(2)}\n`,
);

/** One pass over every message: each check's wall-clock time, and the CPU time of the pass. */
function round(): { samples: Float64Array; cpuMeanUs: number; matched: number } {
  const samples = new Float64Array(inputs.length);
  let matched = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < inputs.length; i++) {
    const start = process.hrtime.bigint();
    const verdict = filter.check(inputs[i]!.text);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    if (verdict.action !== 'allow') matched++;
  }
  const used = process.cpuUsage(cpu);
  return { samples, cpuMeanUs: (used.user + used.system) / inputs.length, matched };
}

const sortedOf = (values: Iterable<number>) => [...values].sort((a, b) => a - b);
const us = (value: number | undefined) => (value === undefined ? null : Math.round(value * 100) / 100);

const rounds = Array.from({ length: ROUNDS }, (_, n) => {
  const result = round();
  const sorted = sortedOf(result.samples);
  process.stderr.write(
    `[filter-bench] round ${n + 1}: p50 ${percentile(sorted, 50)!.toFixed(1)} µs, p99 ${percentile(sorted, 99)!.toFixed(1)} µs\n`,
  );
  return { ...result, sorted };
});
// Each message's best time over the rounds: what it costs when no other process got in the way.
const best = inputs.map((_, i) => Math.min(...rounds.map((r) => r.samples[i]!)));
const sorted = sortedOf(best);
const innocentTimes = sortedOf(best.filter((_, i) => !inputs[i]!.evasion));
const evasionTimes = sortedOf(best.filter((_, i) => inputs[i]!.evasion));

console.log(
  JSON.stringify({
    filter: {
      p50_us: us(percentile(sorted, 50)),
      p95_us: us(percentile(sorted, 95)),
      p99_us: us(percentile(sorted, 99)),
      mean_us: us(sorted.reduce((sum, x) => sum + x, 0) / sorted.length),
      max_us: us(sorted.at(-1)),
      messages: inputs.length,
      measured: `each message's best of ${ROUNDS} rounds (wall clock)`,
      p50_innocent_us: us(percentile(innocentTimes, 50)),
      p99_innocent_us: us(percentile(innocentTimes, 99)),
      p50_with_evasion_us: us(percentile(evasionTimes, 50)),
      p99_with_evasion_us: us(percentile(evasionTimes, 99)),
      with_evasion: evasionTimes.length,
      matched: rounds[0]!.matched,
      rounds_p50_us: rounds.map((r) => us(percentile(r.sorted, 50))),
      rounds_p99_us: rounds.map((r) => us(percentile(r.sorted, 99))),
      cpu_mean_us: us(Math.min(...rounds.map((r) => r.cpuMeanUs))),
      load: us(loadavg()[0]),
      target_p99_us: TARGET_P99_US,
      meets_target: percentile(sorted, 99)! < TARGET_P99_US,
      // Stricter: no round's own p99 over the target either, preemptions included.
      meets_target_every_round: rounds.every((r) => percentile(r.sorted, 99)! < TARGET_P99_US),
    },
  }),
);
