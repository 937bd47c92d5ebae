// Who gets a push for a stored message, and what it says. Runs after the message has been
// emitted (off the chat's path): members who are not the sender, did not block the sender
// (the audience already left them out), did not mute the chat, and have no app in the
// foreground anywhere. The pushes go into the durable queue, in the statement that settles the
// message's outbox row (so a message is queued once); the worker sends them.
import type { Message } from '../protocol/types.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { OutboxStore, PushJob } from '../store/outbox-store.ts';
import type { PushStore } from '../store/push-store.ts';
import type { Presence } from './presence.ts';
import type { PushMessage } from '../store/rows.ts';

const PREVIEW_LENGTH = 120;

export interface PushNotifierDeps {
  store: PushStore;
  outbox: Pick<OutboxStore, 'settle'>;
  presence: Presence;
  bookings: BookingsStore;
  messages: MessagesStore;
  /** Show the text in notifications (off: "New message" only, for privacy). */
  previews: boolean;
  /** Wakes the worker after new jobs were queued. */
  onQueued: () => void;
}

export class PushNotifier {
  private readonly deps: PushNotifierDeps;

  constructor(deps: PushNotifierDeps) {
    this.deps = deps;
  }

  /** Queues the message's pushes and settles its outbox row; when this fails, the row stays for the drainer. */
  async queue(message: Message, recipients: string[]): Promise<void> {
    const queued = await this.deps.outbox.settle('message', message.id, await this.jobsFor(message, recipients));
    if (queued > 0) this.deps.onQueued();
  }

  private async jobsFor(message: Message, recipients: string[]): Promise<PushJob[]> {
    const { store, presence } = this.deps;
    const others = recipients.filter((id) => id !== message.sender.id);
    if (others.length === 0) return [];
    // Presence first: an app in the foreground got the message live, and asking it costs no database round trip.
    const foreground = await presence.foregroundAmong(others);
    const background = others.filter((id) => !foreground.has(id));
    if (background.length === 0) return [];
    const muted = await store.mutedAmong(message.bookingId, background);
    const targets = background.filter((id) => !muted.has(id));
    if (targets.length === 0) return [];
    const devices = await store.devicesOf(targets);
    if (devices.length === 0) return [];
    const badges = new Map(await Promise.all(targets.map(async (id) => [id, await this.unreadTotal(id)] as const)));
    return devices.map((device) => ({ device_id: device.id, message: this.payload(message, badges.get(device.user_id) ?? 0) }));
  }

  private payload(message: Message, badge: number): PushMessage {
    return {
      title: message.sender.name,
      body: this.deps.previews ? preview(message) : 'New message',
      bookingId: message.bookingId,
      messageId: message.id,
      badge,
      collapseKey: `booking-${message.bookingId}`,
    };
  }

  private async unreadTotal(userId: string): Promise<number> {
    const bookings = await this.deps.bookings.listForUser(userId);
    const counts = await this.deps.messages.unreadCounts(
      userId,
      bookings.map((b) => b.booking_id),
    );
    return [...counts.values()].reduce((sum, n) => sum + n, 0);
  }
}

function preview(message: Message): string {
  if (message.kind === 'image') return message.text ? `Photo: ${truncate(message.text)}` : 'Photo';
  return truncate(message.text ?? '');
}

/** Never cuts a surrogate pair in half: a lone surrogate is refused by the push job's jsonb column. */
function truncate(text: string): string {
  if (text.length <= PREVIEW_LENGTH) return text;
  let end = PREVIEW_LENGTH - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
