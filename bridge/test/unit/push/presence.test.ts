// While Redis is down, presence is this process's own sockets: setting it never fails, and a
// user in the foreground here is still seen as such (so they get no push for a chat they see).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Presence } from '../../../src/push/presence.ts';

// Never connected, as after losing Redis: commands fail at once (no offline queue).
const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });

describe('presence with Redis down', () => {
  it('answers from this process and never fails', async () => {
    const presence = new Presence(redis);
    await presence.set('ann', 'socket-1', true);
    await presence.set('bea', 'socket-2', true);
    await presence.set('bea', 'socket-2', false);
    expect(await presence.foregroundAmong(['ann', 'bea', 'cid'])).toEqual(new Set(['ann']));
  });
});
