import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageReportSchema, messageSendSchema, storableString, systemMessageSchema } from '../../../src/protocol/schemas.ts';
import { anyCodeUnits, anyJsonObject, numbersIn, storableByHand, stringsIn } from '../../support/arbitrary-strings.ts';

const deeplyNested = (depth: number) => {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('strings from apps and the booking system', () => {
  it('accepts exactly the strings PostgreSQL and JSON can carry', () => {
    fc.assert(
      fc.property(anyCodeUnits, (value) => {
        expect(storableString().safeParse(value).success).toBe(storableByHand(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses U+0000 and a lone surrogate in message text and report reasons, naming the field', () => {
    const send = { bookingId: 'b1', clientId: '6f1c8a1e-5b9e-4a52-9c43-1f2d3e4a5b6c' };
    for (const text of ['a\u0000b', 'a\ud800b', '\udc00']) {
      const result = messageSendSchema.safeParse({ ...send, text });
      expect(result.error?.issues[0]).toMatchObject({ path: ['text'], message: 'must not hold U+0000 or an unpaired surrogate' });
      expect(messageReportSchema.safeParse({ messageId: '$e', reason: text }).success).toBe(false);
    }
    expect(messageSendSchema.safeParse({ ...send, text: 'emoji 😀 fine' }).success).toBe(true);
  });

  it('takes system data whose every key and string is storable and every number a safe integer, and nothing else', () => {
    fc.assert(
      fc.property(anyJsonObject, (data) => {
        // Numbers: Matrix events are canonical JSON, which has no fractions and no integers beyond 2^53.
        const storable = [...stringsIn(data)].every(storableByHand) && [...numbersIn(data)].every(Number.isSafeInteger);
        expect(systemMessageSchema.safeParse({ type: 'booking.note', data }).success, JSON.stringify(data)).toBe(storable);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses system data too deep or too large without overflowing the stack', () => {
    for (const data of [deeplyNested(100_000), { list: Array.from({ length: 20_000 }, () => 0) }]) {
      expect(systemMessageSchema.safeParse({ type: 'booking.note', data }).success).toBe(false);
    }
    expect(systemMessageSchema.safeParse({ type: 'booking.note', data: deeplyNested(30) }).success).toBe(true);
  });
});
