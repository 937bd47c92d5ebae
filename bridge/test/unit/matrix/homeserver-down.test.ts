// A homeserver that is down (the bundled Synapse between its death and its restart) refuses
// connections: what the bridge's own Matrix client throws then must reach apps as `unavailable`
// with a `retryAfter`, never as `internal`. An error the homeserver answered is `unavailable` too,
// and what it said reaches the logs.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { fromMatrixError } from '../../../src/matrix/errors.ts';
import { Homeserver } from '../../../src/matrix/homeserver.ts';
import type { Logger } from '../../../src/observability/logger.ts';
import { logFailure } from '../../../src/outages/client-errors.ts';
import { AppError } from '../../../src/protocol/errors.ts';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let homeserver: Homeserver | undefined;
afterAll(() => homeserver?.close());

describe('a send while the homeserver refuses connections', () => {
  it('is unavailable, with retryAfter', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    homeserver = await Homeserver.connect({
      url,
      serverName: 'down.test',
      botLocalpart: 'bookingchat',
      registration: {
        id: 'booking-chat',
        url: 'http://127.0.0.1:9',
        as_token: 'as-token-0123456789',
        hs_token: 'hs-token-0123456789',
        sender_localpart: 'bookingchat',
        namespaces: { users: [{ exclusive: true, regex: '@app_.*:down\\.test' }], rooms: [], aliases: [] },
      },
    });
    const intent = homeserver.intentFor('ann');
    const failure = await homeserver.sendIdempotent(intent, '!room:down.test', 'client-1', 'm.room.message', { body: 'hi' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'ECONNREFUSED' });
    const refusal = fromMatrixError(failure);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
    // The connection was refused: nothing the homeserver said to log beside the library's own line.
    expect(refusal.cause).toBeUndefined();
  });
});

describe('an error the homeserver answered that means nothing to the bridge', () => {
  it('is unavailable to the client, and the edge logs what the homeserver said', () => {
    const answered = { statusCode: 500, body: { errcode: 'M_UNKNOWN', error: 'Internal server error' } };
    const unavailable = fromMatrixError(answered);
    expect(unavailable).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
    const lines: unknown[] = [];
    const logger = { warn: (fields: unknown, message: string) => lines.push({ fields, message }), error: () => undefined };
    logFailure(logger as unknown as Logger, unavailable, { path: '/api/v1/bookings/b1' }, 'request failed');
    expect(lines).toEqual([
      {
        fields: { cause: { status: 500, errcode: 'M_UNKNOWN', message: 'Internal server error' }, path: '/api/v1/bookings/b1' },
        message: 'request failed: unavailable',
      },
    ]);
  });
});
