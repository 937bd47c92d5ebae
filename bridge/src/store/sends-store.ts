// What each (sender, clientId) became, so that a retried send never makes a second message.
import type { Database } from './database.ts';
import { runPrepared, type PreparedStatement } from './prepared.ts';

// Both run for every message sent: prepared, without knex (prepared.ts).
const FIND: PreparedStatement = {
  name: 'sent_messages_find',
  text: 'SELECT event_id, booking_id FROM sent_messages WHERE sender_id = $1 AND client_id = $2 LIMIT 1',
};
const RECORD: PreparedStatement = {
  name: 'sent_messages_record',
  text: 'INSERT INTO sent_messages (sender_id, client_id, booking_id, event_id) VALUES ($1, $2, $3, $4) ON CONFLICT (sender_id, client_id) DO NOTHING',
};

export class SendsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async find(senderId: string, clientId: string): Promise<{ event_id: string; booking_id: string } | undefined> {
    const [row] = await runPrepared<{ event_id: string; booking_id: string }>(this.db, FIND, [senderId, clientId]);
    return row;
  }

  async record(senderId: string, clientId: string, bookingId: string, eventId: string): Promise<void> {
    await runPrepared(this.db, RECORD, [senderId, clientId, bookingId, eventId]);
  }
}
