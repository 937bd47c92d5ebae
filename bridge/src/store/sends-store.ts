// What each (sender, clientId) became, so that a retried send never makes a second message.
import type { Database } from './database.ts';

export class SendsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async find(senderId: string, clientId: string): Promise<{ event_id: string; booking_id: string } | undefined> {
    return this.db('sent_messages').where({ sender_id: senderId, client_id: clientId }).first('event_id', 'booking_id');
  }

  async record(senderId: string, clientId: string, bookingId: string, eventId: string): Promise<void> {
    await this.db('sent_messages')
      .insert({ sender_id: senderId, client_id: clientId, booking_id: bookingId, event_id: eventId })
      .onConflict(['sender_id', 'client_id'])
      .ignore();
  }
}
