import { describe, expect, it } from 'vitest';
import { MessageRowCache } from '../../../src/store/message-row-cache.ts';
import type { MessageRow } from '../../../src/store/rows.ts';

const row = (seq: string) => ({ seq, event_id: `$${seq}` }) as MessageRow;

describe('MessageRowCache', () => {
  it('forgets the least recently used row beyond its capacity', () => {
    const cache = new MessageRowCache(2);
    cache.put(row('1'));
    cache.put(row('2'));
    expect(cache.get('1')?.event_id).toBe('$1');
    cache.put(row('3'));
    expect(cache.get('2')).toBeUndefined();
    expect(cache.get('1')?.event_id).toBe('$1');
    expect(cache.get('3')?.event_id).toBe('$3');
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with capacity 0, and forgets a deleted row', () => {
    const none = new MessageRowCache(0);
    none.put(row('1'));
    expect(none.get('1')).toBeUndefined();
    const cache = new MessageRowCache(5);
    cache.put(row('1'));
    cache.delete('1');
    expect(cache.get('1')).toBeUndefined();
  });
});
