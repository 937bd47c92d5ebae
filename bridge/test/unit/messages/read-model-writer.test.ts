import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ReadModelWriter, type Entry } from '../../../src/messages/read-model-writer.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import type { NewDeadLetter } from '../../../src/store/dead-letters-store.ts';
import type { MessageRow, NewDeletion, NewMessageRow } from '../../../src/store/rows.ts';

// The database is faked at its boundary: it refuses rows by event id with the error pg gives.
const pgError = (code: string) => Object.assign(new Error(`refused ${code}`), { code });

function writer(refuse: (row: NewMessageRow) => Error | undefined) {
  const letters: NewDeadLetter[] = [];
  const writes: number[] = [];
  const messages = {
    async write(rows: NewMessageRow[], deletions: NewDeletion[]) {
      writes.push(rows.length + deletions.length);
      for (const row of rows) {
        const error = refuse(row);
        if (error) throw error;
      }
      return { inserted: rows.map((row, i) => ({ ...row, seq: String(i + 1) }) as MessageRow), deleted: [], edits: [], reactions: [] };
    },
  };
  const deadLetters = { record: async (letter: NewDeadLetter) => void letters.push(letter) };
  const metrics = createMetrics();
  const subject = new ReadModelWriter({ messages, deadLetters: deadLetters as never, metrics, logger: pino({ level: 'silent' }) });
  return { subject, letters, writes, metrics };
}

const entry = (id: string): Entry => {
  const event = {
    event_id: id,
    room_id: '!r:hs',
    sender: '@s:hs',
    type: 'm.room.message',
    origin_server_ts: 0,
    content: { body: 'secret' },
  };
  return { event, row: { event_id: id } as NewMessageRow };
};

describe('writing a transaction to the read model', () => {
  it('writes a batch at once when the database takes it', async () => {
    const { subject, writes } = writer(() => undefined);
    expect((await subject.write([entry('$a'), entry('$b')], 't1')).inserted).toHaveLength(2);
    expect(writes).toEqual([2]);
  });

  it('on a data error writes each event alone and sets aside only those still refused', async () => {
    const { subject, letters, writes, metrics } = writer((row) => (row.event_id === '$bad' ? pgError('22008') : undefined));
    const { inserted } = await subject.write([entry('$a'), entry('$bad'), entry('$b')], 't1');
    expect(inserted.map((row) => row.event_id)).toEqual(['$a', '$b']);
    expect(writes).toEqual([3, 1, 1, 1]);
    expect(letters).toMatchObject([{ eventId: '$bad', sqlstate: '22008', txnId: 't1', error: 'refused 22008' }]);
    expect(JSON.parse(letters[0]!.event).content.body).toBe('secret');
    expect(await metrics.registry.getSingleMetricAsString('bookingchat_dead_letters_total')).toMatch(/ 1$/);
  });

  it('throws on when the database cannot be reached, setting nothing aside (Synapse retries)', async () => {
    for (const error of [pgError('ECONNREFUSED'), pgError('57P01'), new TypeError('a bug')]) {
      const { subject, letters } = writer(() => error);
      await expect(subject.write([entry('$a'), entry('$b')], 't1')).rejects.toBe(error);
      expect(letters).toEqual([]);
    }
  });
});
