// The one rule for read-only chats: when a booking's chat closes, and what a write to it answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertOpen, closedAt, closesAtFor, isClosed } from '../../../src/bookings/chat-closing.ts';
import { AppError, HTTP_STATUS } from '../../../src/protocol/errors.ts';

const now = new Date('2026-11-27T12:00:00.000Z');
const hours = (n: number) => n * 3_600_000;
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

describe('closesAtFor', () => {
  it('closes a completed or cancelled booking CHAT_CLOSE_AFTER_HOURS later', () => {
    expect(closesAtFor('completed', null, now, 72)).toEqual(at(hours(72)));
    expect(closesAtFor('cancelled', null, now, 0.5)).toEqual(at(hours(0.5)));
    expect(closesAtFor('completed', null, now, 0)).toEqual(now);
  });

  it('keeps the clock running from the first end (completed, then cancelled)', () => {
    const first = at(-hours(1));
    expect(closesAtFor('cancelled', first, now, 72)).toBe(first);
  });

  it('opens it again for any other status (rescheduled, confirmed, none)', () => {
    for (const status of ['rescheduled', 'confirmed', 'pending', 'Completed', '', null]) {
      expect(closesAtFor(status, at(-hours(1)), now, 72)).toBeNull();
    }
  });
});

describe('assertOpen', () => {
  it('lets a booking that is not over, or whose closing is ahead, be written to', () => {
    expect(() => assertOpen({ closes_at: null }, now)).not.toThrow();
    expect(() => assertOpen({ closes_at: at(1) }, now)).not.toThrow();
    expect(closedAt({ closes_at: at(1) }, now)).toBeUndefined();
  });

  it('answers closed (409) from the closing on, naming when', () => {
    const closing = at(-hours(2));
    let thrown: unknown;
    try {
      assertOpen({ closes_at: closing }, now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe('closed');
    expect(HTTP_STATUS[(thrown as AppError).code]).toBe(409);
    expect((thrown as AppError).message).toContain(closing.toISOString());
    expect(closedAt({ closes_at: now }, now)).toBe(now);
  });

  it('is closed exactly when the closing is not after now', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: -1e12, max: 1e12 }), { nil: null }), (offset) => {
        const booking = { closes_at: offset === null ? null : at(offset) };
        const closed = offset !== null && offset <= 0;
        expect(isClosed(booking, now)).toBe(closed);
        if (closed) expect(() => assertOpen(booking, now)).toThrow(AppError);
        else expect(() => assertOpen(booking, now)).not.toThrow();
      }),
    );
  });
});
