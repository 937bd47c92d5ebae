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

export async function timeCalls(probe: ReadProbe, count: number, capMs: number): Promise<ReadRun> {
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
