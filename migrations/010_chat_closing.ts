// Chats that close (docs/operations.md, "Closing chats"). `closes_at` is set when a booking becomes
// completed or cancelled (CHAT_CLOSE_AFTER_HOURS later) and cleared when its status changes to
// anything else; from that moment the chat is read-only. The "chat closed" system message is posted
// once per closing by whichever bridge process claims it: `close_claimed_until` is that claim (a
// lease: a process that died holding it is replaced once it runs out), `close_announced_at` is set
// once the message was stored, so the claim is never taken again for the same closing.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.timestamp('closes_at', { useTz: true });
    t.timestamp('close_claimed_until', { useTz: true });
    t.timestamp('close_announced_at', { useTz: true });
  });
  // The sweep looks only at closings still to announce: normally few.
  await knex.raw(
    'CREATE INDEX bookings_closing_unannounced ON bookings (closes_at) WHERE closes_at IS NOT NULL AND close_announced_at IS NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX bookings_closing_unannounced');
  await knex.schema.alterTable('bookings', (t) => {
    t.dropColumn('closes_at');
    t.dropColumn('close_claimed_until');
    t.dropColumn('close_announced_at');
  });
}
