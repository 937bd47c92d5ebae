// HEIC/HEIF → RGBA pixels, in a worker thread (see heic-worker.ts). A few at a time: each decode
// holds the whole image in memory several times over.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { refuse } from './image-refusals.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** 4 bytes a pixel, row by row. */
  data: Buffer;
}

type WorkerReply = { ok: true; width: number; height: number; data: ArrayBuffer } | { ok: false; message: string };

const DECODE_TIMEOUT_MS = 30_000;
const MAX_CONCURRENT = Math.max(1, Math.min(4, availableParallelism() - 1));
let running = 0;
const waiting: Array<() => void> = [];

export async function decodeHeic(input: Buffer): Promise<RgbaImage> {
  await acquireSlot();
  try {
    return await decodeInWorker(input);
  } finally {
    releaseSlot();
  }
}

async function acquireSlot(): Promise<void> {
  if (running < MAX_CONCURRENT) {
    running += 1;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

/** A waiting decode takes the slot over, so that no newcomer slips in between. */
function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else running -= 1;
}

function decodeInWorker(input: Buffer): Promise<RgbaImage> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./heic-worker.ts', import.meta.url), { workerData: input });
    const timer = setTimeout(
      () => settle(() => reject(refuse('corrupt', `the HEIC image took longer than ${DECODE_TIMEOUT_MS / 1000} s to decode`))),
      DECODE_TIMEOUT_MS,
    );
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    worker.once('message', (reply: WorkerReply) =>
      settle(() => {
        if (!reply.ok) return reject(withCause(refuse('corrupt', 'the HEIC image could not be decoded'), reply.message));
        const data = Buffer.from(reply.data);
        if (data.length !== reply.width * reply.height * 4) return reject(refuse('corrupt', 'the HEIC decoder returned no pixels'));
        resolve({ width: reply.width, height: reply.height, data });
      }),
    );
    worker.once('error', (error) => settle(() => reject(withCause(refuse('corrupt', 'the HEIC image could not be decoded'), error))));
    worker.once('exit', (code) => settle(() => reject(refuse('corrupt', `the HEIC decoder stopped (exit code ${code})`))));
  });
}

function withCause<T extends Error>(error: T, cause: unknown): T {
  error.cause = cause;
  return error;
}
