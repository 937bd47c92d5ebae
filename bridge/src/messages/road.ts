// The one road every room event takes, whoever wrote it (DESIGN.md): Synapse pushes it in a
// transaction → stored in the read model (idempotent) → Synapse answered → emitted to members.
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore, NewMessageRow } from '../store/messages-store.ts';
import type { MessageArrivals } from './arrivals.ts';
import type { Delivery } from './delivery.ts';
import { eventToRow, mayShowInApps } from './event-to-row.ts';
import type { RoomEvent } from './matrix-event.ts';
import { rowToMessage } from './row-to-message.ts';
import type { SenderDirectory } from './senders.ts';

export interface StoredMessage {
  message: Message;
  recipients: string[];
}

export interface MessageRoadDeps {
  bookings: BookingsStore;
  messages: MessagesStore;
  senders: SenderDirectory;
  arrivals: MessageArrivals;
  delivery: Delivery;
  metrics: Metrics;
  logger: Logger;
}

export function membersOf(booking: BookingRow): string[] {
  return [booking.customer_id, booking.artist_id];
}

export class MessageRoad {
  private readonly deps: MessageRoadDeps;

  constructor(deps: MessageRoadDeps) {
    this.deps = deps;
  }

  /** Stores the events apps show; returns only those not stored before, in cursor order. */
  async store(events: RoomEvent[]): Promise<StoredMessage[]> {
    const { bookings, messages, senders, metrics } = this.deps;
    const bookingByRoom = new Map<string, BookingRow | undefined>();
    const rows: NewMessageRow[] = [];
    for (const event of events) {
      if (!bookingByRoom.has(event.room_id)) bookingByRoom.set(event.room_id, await bookings.getByRoom(event.room_id));
      const booking = bookingByRoom.get(event.room_id);
      const row =
        booking && mayShowInApps(event)
          ? eventToRow(event, booking.booking_id, await senders.resolve(event.sender, booking))
          : undefined;
      if (row) rows.push(row);
      metrics.transactionEvents.inc({ result: row ? 'message' : 'ignored' });
    }
    const inserted = await messages.insertNew(rows);
    metrics.transactionEvents.inc({ result: 'duplicate' }, rows.length - inserted.length);
    return inserted.map((row) => {
      const booking = [...bookingByRoom.values()].find((b) => b?.booking_id === row.booking_id)!;
      return { message: rowToMessage(row), recipients: membersOf(booking) };
    });
  }

  deliver(stored: StoredMessage[]): void {
    for (const { message, recipients } of stored) {
      this.deps.delivery.emit(recipients, 'message', message);
      this.deps.delivery.announceStored(message);
      this.deps.arrivals.notify(message);
      this.deps.metrics.messagesDelivered.inc({ kind: message.kind });
    }
  }
}
