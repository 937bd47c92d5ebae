// What each (sender, clientId) became, so that a retried send never makes a second message: a
// row of `sent_messages` names the first message an app user sent with that clientId. Read with
// the booking in the one read a send starts with (`bookingForSend`); written by the storing
// transaction of that message itself (`recordSendsOf`, in messages-store.ts), or by a send whose
// message is slow to be stored (`record`; messages/send-pipeline.ts says why).
import { BOOKINGS_WITH_MEMBERS, WITH_MEMBERS_COLUMNS, type BookingWithMembers } from './bookings-store.ts';
import type { Database } from './database.ts';
import { runPrepared, runStatement, type PreparedStatement } from './prepared.ts';

/** The first message sent with a (sender, clientId). */
export interface SentMessage {
  event_id: string;
  booking_id: string;
}

/**
 * What a send by an app user is checked against, read at once: the booking, the blocks between
 * its members, the sender's previous send of the clientId; and the members' names, so that the
 * storing of the send's own event needs no read of its own (messages/bookings-of-sends.ts).
 */
export type BookingForSend = BookingWithMembers & { previous_send: SentMessage | null };

/**
 * Records the sends among the rows of `rows` (the name of a query with the messages' columns,
 * such as the rows just inserted): those of app users (customers and artists; support and the
 * booking system are not app senders, their `sender_id` is a role) that carry a clientId. The
 * first stored message of a (sender, clientId) keeps it.
 */
export const recordSendsOf = (rows: string) => `
  INSERT INTO sent_messages (sender_id, client_id, booking_id, event_id)
  SELECT sender_id, client_id, booking_id, event_id FROM ${rows}
   WHERE client_id IS NOT NULL AND sender_role IN ('customer', 'artist')
   ORDER BY seq
  ON CONFLICT (sender_id, client_id) DO NOTHING`;

const RECORD: PreparedStatement = {
  name: 'sent_messages_record',
  text: 'INSERT INTO sent_messages (sender_id, client_id, booking_id, event_id) VALUES ($1, $2, $3, $4) ON CONFLICT (sender_id, client_id) DO NOTHING',
};

export class SendsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * On every write by an app user, one round trip without knex (prepared.ts): the booking (undefined
   * when there is none) with the blocks between its members and, with a clientId, what this
   * sender's clientId was first sent as (null when it was not, in this booking or another).
   */
  async bookingForSend(bookingId: string, senderId: string, clientId: string | undefined): Promise<BookingForSend | undefined> {
    const [row] = await runStatement<BookingForSend>(
      this.db,
      `SELECT ${WITH_MEMBERS_COLUMNS},
              (SELECT json_build_object('event_id', s.event_id, 'booking_id', s.booking_id)
                 FROM sent_messages s WHERE s.sender_id = $2 AND s.client_id = $3) AS previous_send
         FROM ${BOOKINGS_WITH_MEMBERS}
        WHERE b.booking_id = $1 LIMIT 1`,
      [bookingId, senderId, clientId ?? null],
    );
    return row;
  }

  /** By a send whose message is slow to be stored; a record already there (the storing transaction's) is kept. */
  async record(senderId: string, clientId: string, bookingId: string, eventId: string): Promise<void> {
    await runPrepared(this.db, RECORD, [senderId, clientId, bookingId, eventId]);
  }
}
