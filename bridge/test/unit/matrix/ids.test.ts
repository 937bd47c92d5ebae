import { describe, expect, it } from 'vitest';
import { decodeLocalpart, encodeLocalpart, MatrixIds } from '../../../src/matrix/ids.ts';

describe('Matrix ids of app users', () => {
  const ids = new MatrixIds('chat.example.com', 'bookingchat');

  it.each(['user-42', 'User_42', 'ÁNNA@example.com', 'a b/c=d', '_', 'ABC'])('round-trips %s', (id) => {
    const matrixId = ids.appUser(id);
    expect(matrixId).toMatch(/^@app_[a-z0-9._=/-]+:chat\.example\.com$/);
    expect(ids.platformIdOf(matrixId)).toBe(id);
  });

  it('never maps two platform ids to one Matrix id', () => {
    expect(encodeLocalpart('Ab')).not.toBe(encodeLocalpart('ab'));
    expect(encodeLocalpart('a_b')).not.toBe(encodeLocalpart('aB'));
  });

  it('does not claim users outside its namespace', () => {
    expect(ids.platformIdOf('@staff:chat.example.com')).toBeUndefined();
    expect(ids.platformIdOf('@app_x:other.example.com')).toBeUndefined();
    expect(ids.platformIdOf(ids.botUserId)).toBeUndefined();
    expect(decodeLocalpart('bad=zz')).toBeUndefined();
  });
});
