// push:register, push:unregister, push:config, app:state, chat:mute and chat:unmute; and the
// presence of every connection (an app that connects is in the foreground until it says not).
import type { BookingAccess } from '../bookings/access.ts';
import type { PushEndpointPolicy } from '../push/push-endpoints.ts';
import type { Presence } from '../push/presence.ts';
import { AppError } from '../protocol/errors.ts';
import type { PushStore } from '../store/push-store.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface PushServices {
  store: PushStore;
  presence: Presence;
  access: BookingAccess;
  /** The VAPID public key, when Web Push is configured. */
  webPushPublicKey: string | undefined;
  webPushEndpoints: PushEndpointPolicy;
  /** PUSH_MAX_DEVICES: registering one more removes the user's least recently registered. */
  maxDevices: number;
}

export function registerPushEvents(
  context: HandlerContext,
  { store, presence, access, webPushPublicKey, webPushEndpoints, maxDevices }: PushServices,
): void {
  const { socket, logger } = context;
  const userId = socket.data.userId;
  const track = (foreground: boolean) =>
    presence.set(userId, socket.id, foreground).catch((err: unknown) => logger.warn({ err }, 'presence not updated'));
  void track(true);
  socket.on('disconnect', () => void track(false));

  onEvent(context, 'app:state', async (request) => {
    await presence.set(userId, socket.id, request.state === 'foreground');
    return {};
  });
  onEvent(context, 'push:register', async (request) => {
    if (request.kind === 'webpush' && !webPushPublicKey) throw new AppError('invalid', 'Web Push is not configured on this server');
    if (request.kind === 'webpush') await webPushEndpoints.check(request.subscription.endpoint);
    const device =
      request.kind === 'fcm'
        ? { kind: 'fcm' as const, address: request.token, subscription: null }
        : { kind: 'webpush' as const, address: request.subscription.endpoint, subscription: request.subscription };
    return { deviceId: await store.register(userId, device, maxDevices, request.replaces) };
  });
  // `{}` for any well-formed id: a device already gone (or handed to another account) is as
  // unregistered as one removed now, and the answer says nothing about other users' devices.
  onEvent(context, 'push:unregister', async (request) => {
    await store.unregister(userId, request.deviceId);
    return {};
  });
  onEvent(context, 'push:config', async () => ({ webPushPublicKey: webPushPublicKey ?? null }));
  onEvent(context, 'chat:mute', async (request) => {
    await access.requireMember(userId, request.bookingId);
    await store.mute(userId, request.bookingId, request.until ? new Date(request.until) : null);
    return {};
  });
  onEvent(context, 'chat:unmute', async (request) => {
    await access.requireMember(userId, request.bookingId);
    await store.unmute(userId, request.bookingId);
    return {};
  });
}
