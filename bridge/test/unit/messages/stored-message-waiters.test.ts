import { describe, expect, it, vi } from 'vitest';
import { StoredMessageWaiters } from '../../../src/messages/stored-message-waiters.ts';
import type { Message } from '../../../src/protocol/types.ts';

const message = { id: '$a', bookingId: 'b', cursor: '1' } as Message;
const sent = { eventId: '$a', roomId: '!r:hs' };

describe('waiting for a sent message to be stored', () => {
  it('wakes every waiter of that event', async () => {
    const waiters = new StoredMessageWaiters({} as never, {} as never);
    const one = waiters.waitFor('$a', 1000);
    const two = waiters.waitFor('$a', 1000);
    waiters.notify(message);
    expect(await one.promise).toBe(message);
    expect(await two.promise).toBe(message);
  });

  it('gives up after the timeout and forgets the waiter', async () => {
    const waiters = new StoredMessageWaiters({} as never, {} as never);
    expect(await waiters.waitFor('$a', 10).promise).toBeUndefined();
    expect((waiters as unknown as { waiters: Map<string, unknown> }).waiters.size).toBe(0);
  });

  it('can be cancelled', async () => {
    const waiters = new StoredMessageWaiters({} as never, {} as never);
    const wait = waiters.waitFor('$a', 1000);
    wait.cancel();
    waiters.notify(message);
    expect(await wait.promise).toBeUndefined();
  });
});

describe('waiting for a message just sent', () => {
  const counting = () => {
    const looks: string[] = [];
    const messages = { getByEventId: async (id: string) => (looks.push(id), { event_id: id, sender_id: 'ann' }) };
    const states = { renderOne: async () => message };
    return { looks, waiters: new StoredMessageWaiters(messages as never, states as never) };
  };

  it('answers from its notice without reading the read model', async () => {
    const { looks, waiters } = counting();
    const waiting = waiters.storedAfterSend(sent);
    waiters.notify(message);
    expect(await waiting).toBe(message);
    expect(looks).toEqual([]);
  });

  it('finds a notice that came before it started waiting', async () => {
    const { looks, waiters } = counting();
    waiters.notify(message);
    expect(await waiters.storedAfterSend(sent)).toBe(message);
    expect(looks).toEqual([]);
  });

  it('reads the read model when no notice came (Redis down)', async () => {
    const { looks, waiters } = counting();
    expect(await waiters.storedAfterSend(sent, 1_050)).toBe(message);
    expect(looks).toEqual(['$a']);
  });
});

describe('a send that waits long for its event', () => {
  const neverStored = () => {
    const reported: string[] = [];
    const waiters = new StoredMessageWaiters({ getByEventId: async () => undefined } as never, {} as never);
    waiters.onStalled((roomId) => reported.push(roomId));
    return { reported, waiters };
  };

  it('reports its room stalled after five seconds, once', async () => {
    vi.useFakeTimers();
    try {
      const { reported, waiters } = neverStored();
      const waiting = waiters.storedAfterSend(sent).catch((err: unknown) => err);
      await vi.advanceTimersByTimeAsync(4_900);
      expect(reported).toEqual([]);
      await vi.advanceTimersByTimeAsync(200);
      expect(reported).toEqual(['!r:hs']);
      await vi.advanceTimersByTimeAsync(15_000);
      expect(await waiting).toMatchObject({ code: 'unavailable' });
      expect(reported).toEqual(['!r:hs']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports nothing when the event is stored in time', async () => {
    vi.useFakeTimers();
    try {
      const { reported, waiters } = neverStored();
      const waiting = waiters.stored(sent);
      await vi.advanceTimersByTimeAsync(3_000);
      waiters.notify(message);
      expect(await waiting).toBe(message);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(reported).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
