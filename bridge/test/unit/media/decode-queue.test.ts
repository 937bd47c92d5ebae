// A few photos are decoded at once, a few more wait their turn, the rest are refused at once.
import { describe, expect, it } from 'vitest';
import { DecodeQueue } from '../../../src/media/decode-queue.ts';
import { AppError } from '../../../src/protocol/errors.ts';

/** A decode that runs until the test ends it. */
function heldDecode(queue: DecodeQueue, started: string[], name: string) {
  let finish!: () => void;
  const done = queue.run(async () => {
    started.push(name);
    await new Promise<void>((resolve) => (finish = resolve));
    return name;
  });
  return { done, finish: () => finish() };
}

describe('the decode queue', () => {
  it('runs two at once, lets one wait, refuses the next unavailable with retryAfter, and starts the waiting one when a slot frees', async () => {
    const queue = new DecodeQueue(2, 1);
    const started: string[] = [];
    const a = heldDecode(queue, started, 'a');
    const b = heldDecode(queue, started, 'b');
    const c = heldDecode(queue, started, 'c');
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);

    const refused = await queue.run(async () => 'd').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).toBody()).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
    expect(() => queue.requireRoom()).toThrow(AppError);

    a.finish();
    expect(await a.done).toBe('a');
    await expect.poll(() => started).toEqual(['a', 'b', 'c']);
    // c took a's slot: still two running and none waiting, so one more may wait.
    expect(() => queue.requireRoom()).not.toThrow();
    b.finish();
    c.finish();
    expect(await Promise.all([b.done, c.done])).toEqual(['b', 'c']);
    expect(await queue.run(async () => 'e')).toBe('e');
  });

  it('frees the slot of a decode that fails', async () => {
    const queue = new DecodeQueue(1, 0);
    await expect(queue.run(async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});
