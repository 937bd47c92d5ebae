import { describe, expect, it } from 'vitest';
import { MessageArrivals } from '../../../src/messages/arrivals.ts';
import type { Message } from '../../../src/protocol/types.ts';

const message = { id: '$a', bookingId: 'b', cursor: '1' } as Message;

describe('waiting for a sent message to be stored', () => {
  it('wakes every waiter of that event', async () => {
    const arrivals = new MessageArrivals({} as never, {} as never);
    const one = arrivals.waitFor('$a', 1000);
    const two = arrivals.waitFor('$a', 1000);
    arrivals.notify(message);
    expect(await one.promise).toBe(message);
    expect(await two.promise).toBe(message);
  });

  it('gives up after the timeout and forgets the waiter', async () => {
    const arrivals = new MessageArrivals({} as never, {} as never);
    expect(await arrivals.waitFor('$a', 10).promise).toBeUndefined();
    expect((arrivals as unknown as { waiters: Map<string, unknown> }).waiters.size).toBe(0);
  });

  it('can be cancelled', async () => {
    const arrivals = new MessageArrivals({} as never, {} as never);
    const wait = arrivals.waitFor('$a', 1000);
    wait.cancel();
    arrivals.notify(message);
    expect(await wait.promise).toBeUndefined();
  });
});
