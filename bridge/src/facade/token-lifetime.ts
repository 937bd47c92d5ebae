// A token is checked at the handshake, but a socket may stay open for days: each socket lives
// only as long as its token. When it expires the app is told (`auth:expired`), every event
// but `auth:refresh` is refused with `unauthorized`, and after a grace period the socket is
// disconnected. `auth:refresh { token }` with a new token for the same user extends it.
import { AppError } from '../protocol/errors.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';
import type { JwtVerifier } from '../shared/jwt-verifier.ts';

/** Long enough for an app to fetch a new token and answer; short enough that a stolen, expired token is soon useless. */
export const AUTH_REFRESH_GRACE_MS = 15_000;
/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function limitSocketToToken(context: HandlerContext, verifier: JwtVerifier, graceMs = AUTH_REFRESH_GRACE_MS): void {
  const { socket } = context;
  let timer: NodeJS.Timeout | undefined;
  const expired = () => socket.data.expiresAt <= Date.now();

  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(onTimer, Math.min(Math.max(socket.data.expiresAt - Date.now(), 0), MAX_TIMER_MS));
  };
  const onTimer = () => {
    if (!expired()) return arm();
    socket.emit('auth:expired', {});
    timer = setTimeout(() => socket.disconnect(true), graceMs);
  };
  arm();
  socket.on('disconnect', () => clearTimeout(timer));

  socket.use(([event, ...args], next) => {
    if (event === 'auth:refresh' || !expired()) return next();
    const ack = args[args.length - 1];
    if (typeof ack === 'function')
      ack({ ok: false, error: new AppError('unauthorized', 'the token expired: send auth:refresh with a new one').toBody() });
    // One label for every refused name: a client chooses event names, and labels must stay few.
    context.metrics.socketEvents.inc({ event: 'after-expiry', outcome: 'unauthorized' });
  });

  onEvent(context, 'auth:refresh', async ({ token }) => {
    const user = await verifier.verify(token);
    if (user.userId !== socket.data.userId) throw new AppError('unauthorized', 'the token is for another user');
    socket.data = user;
    arm();
    return { expiresAt: new Date(user.expiresAt).toISOString() };
  });
}
