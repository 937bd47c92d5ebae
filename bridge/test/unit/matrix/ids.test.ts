import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { userIdSchema } from '../../../src/protocol/schemas.ts';
import { MatrixIds } from '../../../src/matrix/ids.ts';
import { decodeLocalpart, encodeLocalpart } from '../../../src/protocol/user-ids.ts';

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

describe('the longest ids', () => {
  // The longest server name the configuration takes.
  const serverName = `${'s'.repeat(45)}.com`;
  const ids = new MatrixIds(serverName, 'bookingchat');

  it('take a server name of 49 characters and refuse 50', () => {
    expect(loadConfig({ SYNAPSE_SERVER_NAME: serverName }).synapse.serverName).toBe(serverName);
    expect(() => loadConfig({ SYNAPSE_SERVER_NAME: `s${serverName}` })).toThrow(/SYNAPSE_SERVER_NAME/);
  });

  it('fit every user id the schemas take into Matrix’s 255 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '_', '!', '~', '.'), minLength: 1, maxLength: 128 }), (id) => {
        if (!userIdSchema.safeParse(id).success) return;
        expect(Buffer.byteLength(ids.appUser(id))).toBeLessThanOrEqual(255);
      }),
    );
    expect(userIdSchema.safeParse('C'.repeat(100)).success).toBe(true);
    expect(userIdSchema.safeParse('C'.repeat(101)).success).toBe(false);
  });
});
