// The bookings feature built in one place: membership checks, the chat list, the booking ↔ room
// lifecycle (the row first, then the room), system messages, the repair of rooms left behind
// their row, and chats that close. Its start and stop are that repair pass and the closing sweep
// (chat-closer.ts), and the pool of rooms made ahead (room-pool.ts): started with the bridge,
// waited for on stop.
import type { Homeserver } from '../matrix/homeserver.ts';
import { RoomAdmin } from '../matrix/room-admin.ts';
import type { MessageStates } from '../messages/message-states.ts';
import type { StoredMessageWaiters } from '../messages/stored-message-waiters.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { Logger } from '../observability/logger.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import { RoomPoolStore } from '../store/room-pool-store.ts';
import type { Database } from '../store/database.ts';
import { BookingAccess } from './access.ts';
import { BookingChats } from './booking-chats.ts';
import { ChatCloser } from './chat-closer.ts';
import { ChatList } from './chat-list.ts';
import { RoomSync } from './room-sync.ts';
import { RoomPool } from './room-pool.ts';
import { SystemMessages } from './system-messages.ts';

export interface BookingsFeatureDeps {
  db: Database;
  bookings: BookingsStore;
  users: UsersStore;
  messages: MessagesStore;
  /** Renders the chat list's last messages as they now are. */
  states: MessageStates;
  homeserver: Homeserver;
  delivery: UserDelivery;
  waiters: StoredMessageWaiters;
  config: { chatCloseAfterHours: number; roomPoolSize: number };
  logger: Logger;
}

export function createBookings(deps: BookingsFeatureDeps) {
  const { bookings, users, messages, states, homeserver, delivery, waiters, logger } = deps;
  const access = new BookingAccess(bookings);
  const chats = new ChatList(bookings, messages, users, states);
  const admin = new RoomAdmin(homeserver);
  const sync = new RoomSync(bookings, admin, homeserver.ids);
  const pool = new RoomPool({ admin, store: new RoomPoolStore(deps.db), bookings, size: deps.config.roomPoolSize, logger });
  const systemMessages = new SystemMessages(homeserver, bookings, waiters);
  const closer = new ChatCloser({ bookings, systemMessages, chats, delivery, logger });
  const closeAfterHours = deps.config.chatCloseAfterHours;
  const bookingChats = new BookingChats({
    homeserver,
    admin,
    sync,
    pool,
    bookings,
    users,
    chats,
    delivery,
    closer,
    closeAfterHours,
    logger,
  });
  // Rooms a crash or a refusing Synapse left behind their booking's row: one pass at a time, and
  // at most one more queued however often it is asked for (a restart is reported twice: by the
  // supervisor and by the health watch).
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const repairRooms = (): Promise<void> => {
    pool.refill();
    if (!running) return (running = bookingChats.repairUnsynced().finally(() => (running = undefined)));
    return (queued ??= running.then(() => {
      queued = undefined;
      return repairRooms();
    }));
  };
  return {
    access,
    chats,
    bookingChats,
    pool,
    systemMessages,
    /** Also when Synapse comes back: the rooms left behind their rows, and the pool topped up. */
    repairRooms,
    start: () => {
      pool.start();
      void repairRooms();
      closer.start();
    },
    stop: async () => {
      await closer.stop();
      await pool.stop();
      await bookingChats.idle();
      await queued;
      await running;
    },
  };
}
