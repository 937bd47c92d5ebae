import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventToRow } from '../../../src/messages/event-to-row.ts';
import { SUPPORT_SENDER, SYSTEM_SENDER } from '../../../src/messages/event-senders.ts';
import { storableJson, storableText } from '../../../src/messages/storable-strings.ts';
import { anyCodeUnits, anyJsonObject, storableByHand, stringsIn } from '../../support/arbitrary-strings.ts';

const event = (content: Record<string, unknown>) => ({
  event_id: '$e1',
  room_id: '!r:hs',
  sender: '@staff:hs',
  type: 'm.room.message',
  origin_server_ts: 1_700_000_000_000,
  content,
});

describe('strings from Matrix are made storable, never refused', () => {
  it('any string comes out well-formed and without U+0000, and storable strings come out unchanged', () => {
    fc.assert(
      fc.property(anyCodeUnits, (value) => {
        const stored = storableText(value);
        expect(storableByHand(stored)).toBe(true);
        expect(stored.length).toBe(value.length);
        if (storableByHand(value)) expect(stored).toBe(value);
      }),
      { numRuns: 5000 },
    );
  });

  it('every key and string of JSON data comes out storable, and storable data unchanged', () => {
    fc.assert(
      fc.property(anyJsonObject, (data) => {
        const stored = storableJson(data);
        expect([...stringsIn(stored)].every(storableByHand)).toBe(true);
        if ([...stringsIn(data)].every(storableByHand)) expect(JSON.stringify(stored)).toBe(JSON.stringify(data));
      }),
      { numRuns: 2000 },
    );
  });

  it('staff text with U+0000 and a lone surrogate becomes a row with replacement characters', () => {
    const row = eventToRow(event({ msgtype: 'm.text', body: 'a\u0000b\ud800c' }), 'b1', SUPPORT_SENDER);
    expect(row?.content.text).toBe('a\uFFFDb\uFFFDc');
  });

  it('system data is made storable deeply, keys too', () => {
    const content = {
      msgtype: 'm.notice',
      body: 'x',
      'com.bookingchat.system': { type: 't\u0000', data: { 'k\u0000': [{ v: '\udc00' }] } },
    };
    expect(eventToRow(event(content), 'b1', SYSTEM_SENDER)?.content.system).toEqual({
      type: 't\uFFFD',
      data: { 'k\uFFFD': [{ v: '\uFFFD' }] },
    });
  });
});
