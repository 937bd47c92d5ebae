import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { Reconciliation } from '../../../src/messages/reconciliation.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';

/** A reconciliation whose homeserver answers each room's page only when the test lets it. */
function gated() {
  const asked: string[] = [];
  const answers: (() => void)[] = [];
  const homeserver = {
    roomEventsBefore: (roomId: string) => {
      asked.push(roomId);
      return new Promise((resolve) => answers.push(() => resolve({ events: [], received: 0 })));
    },
  };
  const subject = new Reconciliation({
    store: { known: async () => ({ stored: new Set(), deleted: new Set() }) } as never,
    homeserver: homeserver as never,
    inbound: {} as never,
    horizon: async () => null,
    days: 1,
    maxRooms: 10,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
  });
  /** Answers the pages asked so far. */
  const answer = () => {
    for (const next of answers.splice(0)) next();
  };
  return { subject, asked, answer };
}

describe('comparing stalled rooms', () => {
  it('queues a room once while it waits its turn, two rooms at a time', async () => {
    const { subject, asked, answer } = gated();
    for (const roomId of ['!a', '!b', '!c', '!c', '!c']) subject.compareStalled(roomId);
    await vi.waitFor(() => expect(asked).toEqual(['!a', '!b']));
    answer();
    await vi.waitFor(() => expect(asked).toEqual(['!a', '!b', '!c']));
    answer();
    await subject.stop();
    expect(asked).toEqual(['!a', '!b', '!c']);
  });

  it('compares a room again when it stalls again during its comparison', async () => {
    const { subject, asked, answer } = gated();
    subject.compareStalled('!a');
    await vi.waitFor(() => expect(asked).toEqual(['!a']));
    subject.compareStalled('!a');
    answer();
    await vi.waitFor(() => expect(asked).toEqual(['!a', '!a']));
    answer();
    await subject.stop();
  });
});
