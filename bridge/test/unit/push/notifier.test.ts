import { describe, expect, it } from 'vitest';
import { PushNotifier } from '../../../src/push/notifier.ts';
import type { Message } from '../../../src/protocol/types.ts';
import type { PushMessage } from '../../../src/store/rows.ts';

function notifier(options: { previews: boolean; muted?: string[]; foreground?: string[] }) {
  const queued: { device_id: string; message: PushMessage }[] = [];
  const subject = new PushNotifier({
    store: {
      mutedAmong: async () => new Set(options.muted ?? []),
      devicesOf: async (ids: string[]) => ids.map((id) => ({ id: `device-of-${id}`, user_id: id })),
    } as never,
    outbox: { settle: async (_kind: string, _messageId: string, jobs: typeof queued = []) => queued.push(...jobs) },
    presence: { foregroundAmong: async () => new Set(options.foreground ?? []) } as never,
    bookings: { listForUser: async () => [{ booking_id: 'b1' }, { booking_id: 'b2' }] } as never,
    messages: {
      unreadCounts: async () =>
        new Map([
          ['b1', 2],
          ['b2', 3],
        ]),
    } as never,
    previews: options.previews,
    onQueued: () => undefined,
  });
  return { subject, queued };
}

const message = (over: Partial<Message> = {}): Message => ({
  id: '$m',
  bookingId: 'b1',
  cursor: '1',
  sender: { id: 'ann', role: 'customer', name: 'Ann' },
  kind: 'text',
  text: 'x'.repeat(200),
  reactions: [],
  createdAt: new Date().toISOString(),
  ...over,
});

describe('what a push says and to whom', () => {
  it('previews the text (shortened), badges the total unread count, collapses per chat', async () => {
    const { subject, queued } = notifier({ previews: true });
    await subject.queue(message(), ['ann', 'bea']);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      device_id: 'device-of-bea',
      message: { title: 'Ann', badge: 5, collapseKey: 'booking-b1', bookingId: 'b1', messageId: '$m' },
    });
    expect(queued[0]!.message.body).toHaveLength(120);
  });

  it('shortens without cutting an emoji in half (a lone surrogate cannot be stored in the push queue)', async () => {
    const { subject, queued } = notifier({ previews: true });
    await subject.queue(message({ text: `${'x'.repeat(118)}😀${'y'.repeat(50)}` }), ['ann', 'bea']);
    expect(queued[0]!.message.body).toBe(`${'x'.repeat(118)}…`);
    expect(queued[0]!.message.body.isWellFormed()).toBe(true);
  });

  it('says only "New message" when previews are off, and "Photo" for images', async () => {
    const off = notifier({ previews: false });
    await off.subject.queue(message(), ['ann', 'bea']);
    const on = notifier({ previews: true });
    await on.subject.queue(message({ kind: 'image', text: undefined }), ['ann', 'bea']);
    expect(off.queued[0]!.message.body).toBe('New message');
    expect(on.queued[0]!.message.body).toBe('Photo');
  });

  it('skips the sender, muted chats and foreground apps', async () => {
    // Dan is none of these: his push proves the rules chose, not that nothing was queued at all.
    const { subject, queued } = notifier({ previews: true, muted: ['bea'], foreground: ['cleo'] });
    await subject.queue(message(), ['ann', 'bea', 'cleo', 'dan']);
    expect(queued.map((job) => job.device_id)).toEqual(['device-of-dan']);
  });
});
