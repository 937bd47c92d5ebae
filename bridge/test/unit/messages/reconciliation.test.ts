import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { Reconciliation } from '../../../src/messages/reconciliation.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { nothingKnown } from '../../../src/store/reconciliation-store.ts';

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
    store: { known: async () => nothingKnown() } as never,
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

  it('compares a room once more when it stalls again during its comparison', async () => {
    const { subject, asked, answer } = gated();
    subject.compareStalled('!a');
    subject.compareStalled('!b');
    await vi.waitFor(() => expect(asked).toEqual(['!a', '!b']));
    // Its comparison may have read the room before the event that stalls now was there.
    subject.compareStalled('!a');
    answer();
    await vi.waitFor(() => expect(asked).toEqual(['!a', '!b', '!a']));
    answer();
    await subject.stop();
    expect(asked).toEqual(['!a', '!b', '!a']);
  });
});

describe('a room Synapse holds a hostile event in', () => {
  it('is still compared when a redaction names a string PostgreSQL cannot hold', async () => {
    const event = (id: string, type: string, content: Record<string, unknown>) => ({
      event_id: id,
      room_id: '!r',
      sender: '@staff:hs',
      type,
      content,
      origin_server_ts: Date.now(),
    });
    const page = [
      event('$redaction', 'm.room.redaction', { redacts: '$x\u0000' }),
      event('$lost', 'm.room.message', { msgtype: 'm.text', body: 'hi' }),
    ];
    const stored: string[][] = [];
    const subject = new Reconciliation({
      store: {
        // As PostgreSQL does with U+0000 in a text parameter.
        known: async (ids: string[], senders: string[]) => {
          if ([...ids, ...senders].some((id) => id.includes('\u0000'))) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
          return nothingKnown();
        },
      } as never,
      homeserver: { roomEventsBefore: async () => ({ events: page, received: page.length }) } as never,
      inbound: {
        store: async (events: { event_id: string }[]) => (
          stored.push(events.map((e) => e.event_id)),
          { messages: [{}], deletions: [], edits: [], reactions: [] }
        ),
        deliver: () => undefined,
      } as never,
      horizon: async () => null,
      days: 1,
      maxRooms: 10,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    subject.compareStalled('!r');
    await vi.waitFor(() => expect(stored).toEqual([['$lost']]));
    await subject.stop();
  });
});
