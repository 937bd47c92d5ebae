import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RoomPool } from '../../../src/bookings/room-pool.ts';

describe('the room pool', () => {
  it('records a room whose row the database refused at the next pass, instead of leaving it empty in Synapse', async () => {
    const created: string[] = [];
    const pooled: string[] = [];
    let refuse = true;
    const pool = new RoomPool({
      admin: { createUnclaimed: async () => (created.push(`!r${created.length}`), created.at(-1)!) } as never,
      store: {
        size: async () => pooled.length,
        add: async (roomId: string) => {
          if (refuse) throw new Error('database away');
          pooled.push(roomId);
        },
      } as never,
      bookings: {} as never,
      size: 2,
      logger: pino({ level: 'silent' }),
    });
    pool.start();
    await pool.settled();
    expect({ created, pooled }).toEqual({ created: ['!r0'], pooled: [] });

    refuse = false;
    pool.refill();
    await pool.settled();
    expect({ created, pooled }).toEqual({ created: ['!r0', '!r1'], pooled: ['!r0', '!r1'] });
    await pool.stop();
  });
});
