// A reaction's key from an app is one emoji: whatever else is sent is refused with `invalid`, never thrown on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reactionKeySchema } from '../../../src/protocol/schemas.ts';
import { hostileString } from '../../support/hostile-values.ts';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

describe('a reaction key', () => {
  it('is one emoji: flags, skin tones, families and keycaps included', () => {
    for (const key of ['👍', '👍🏽', '🇫🇷', '👨‍👩‍👧', '❤️', '1️⃣', '🏳️‍🌈']) expect(reactionKeySchema.safeParse(key).success, key).toBe(true);
    for (const key of ['', 'a', 'ok', '👍👍', ' 👍', '1', '\u0000', '\ud83d'])
      expect(reactionKeySchema.safeParse(key).success, key).toBe(false);
  });

  it('accepted only as one storable grapheme, whatever string is sent', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(), fc.string({ unit: 'grapheme', maxLength: 3 })), (key) => {
        const parsed = reactionKeySchema.safeParse(key);
        if (parsed.success) expect([...graphemes.segment(key)]).toHaveLength(1);
      }),
      { numRuns: 2000 },
    );
  });
});
