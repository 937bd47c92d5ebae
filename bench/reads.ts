// Read benchmarks: one request at a time (latency, not throughput), each answer checked, so a
// fast wrong answer (an empty page, a truncated catch-up) counts as an error, not a sample.
import { performance } from 'node:perf_hooks';

export interface ReadProbe {
  readonly name: string;
  /** One read; throws when the answer is not the one expected. */
  call(i: number): Promise<void>;
}

export interface ReadRun {
  samples: number[];
  errors: string[];
}

/**
 * Collects this thread's garbage when Node runs with --expose-gc (`npm run bench` does): called in
 * both threads before every run of every probe, so that no run pays for the garbage of what ran
 * before it (the bridge's start-up, seeding, another probe); a run still pays for its own.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function timeCalls(probe: ReadProbe, count: number, capMs: number): Promise<ReadRun> {
  collectGarbage();
  const samples: number[] = [];
  const errors: string[] = [];
  const start = performance.now();
  for (let i = 0; i < count && performance.now() - start < capMs; i++) {
    const t0 = performance.now();
    try {
      await probe.call(i);
      samples.push(performance.now() - t0);
    } catch (error) {
      errors.push(`${probe.name}: ${(error as Error).message}`);
    }
  }
  return { samples, errors };
}

export function expectCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: ${actual} instead of ${expected}`);
}
