import { describe, expect, it } from 'vitest';
import { stopAll } from '../../src/lifecycle.ts';

describe('stopAll', () => {
  it('stops every part in order, also after parts that failed, and then names each failure', async () => {
    const stopped: string[] = [];
    const steps = [
      ['sockets', () => void stopped.push('sockets')],
      [
        'redis',
        async () => {
          stopped.push('redis');
          throw new Error('connection is closed');
        },
      ],
      [
        'timers',
        () => {
          stopped.push('timers');
          throw new Error('already stopped');
        },
      ],
      ['database', async () => void stopped.push('database')],
    ] as const;

    const failure = await stopAll(steps).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(stopped).toEqual(['sockets', 'redis', 'timers', 'database']);
    expect(failure).toBeInstanceOf(AggregateError);
    const { errors, message } = failure as AggregateError;
    expect(errors.map((error: Error) => error.message)).toEqual(['redis: connection is closed', 'timers: already stopped']);
    expect(message).toContain('2 part(s) failed to stop');
  });

  it('resolves when every part stopped', async () => {
    const stopped: string[] = [];
    await stopAll([
      ['a', () => void stopped.push('a')],
      ['b', async () => void stopped.push('b')],
    ]);
    expect(stopped).toEqual(['a', 'b']);
  });
});
