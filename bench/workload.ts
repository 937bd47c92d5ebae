// The workload every system gets: one message at a time for latency, then a closed-loop burst
// (a fixed number of messages in flight) for throughput. A system is a Target: `send` resolves
// on the sender's acknowledgement, and its receiving side calls `deliveries.arrive(id)`.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface Target {
  readonly name: string;
  /** Sends one message; resolves when the sender's acknowledgement (or HTTP response) arrives. */
  send(id: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/** Waits for messages, by id, at the receiving side. */
export class Deliveries {
  private readonly waiting = new Map<string, (at: number) => void>();

  /** Resolves with the arrival time (performance.now()), rejects after timeoutMs. */
  expect(id: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`message ${id} not delivered within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  /** Called by a receiver; ids nobody waits for (duplicates, other traffic) are ignored. */
  arrive(id: string): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    resolve(performance.now());
  }
}

export interface Sample {
  latencyMs: number;
  ackMs: number;
}

const FILLER = 'Hi! Could we meet 10 minutes earlier at the studio entrance? I will bring the reference photos.';

/** The same payload for every system: a fresh id (a UUID, usable as clientId) and ~110 characters. */
export function nextMessage(i: number): { id: string; text: string } {
  return { id: randomUUID(), text: `#${i} ${FILLER}` };
}

async function measureOne(target: Target, deliveries: Deliveries, i: number, timeoutMs: number): Promise<Sample> {
  const { id, text } = nextMessage(i);
  const delivered = deliveries.expect(id, timeoutMs);
  delivered.catch(() => undefined); // awaited below, unless a refused send wins the race
  const t0 = performance.now();
  const acked = target.send(id, text).then(() => performance.now() - t0);
  // A refused send (rate_limited, filtered…) is never delivered: fail at once, with its reason.
  const arrival = await Promise.race([delivered, acked.then(() => delivered)]);
  return { latencyMs: arrival - t0, ackMs: await acked };
}

export interface RunResult {
  samples: Sample[];
  errors: string[];
  elapsedMs: number;
}

/** `count` messages in flight at most `concurrency` at a time, stopping new sends after `capMs`. */
export async function run(
  target: Target,
  deliveries: Deliveries,
  options: { count: number; concurrency: number; capMs: number; timeoutMs: number; firstIndex?: number },
): Promise<RunResult> {
  const samples: Sample[] = [];
  const errors: string[] = [];
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.count && performance.now() - start < options.capMs) {
      const i = (options.firstIndex ?? 0) + next++;
      try {
        samples.push(await measureOne(target, deliveries, i, options.timeoutMs));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { samples, errors, elapsedMs: performance.now() - start };
}
