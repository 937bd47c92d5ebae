// The name Synapse has for each app user (its display name, what staff see in Element), apart
// from the name apps see: Synapse may refuse a change of it for a moment, and the next PUT that
// names the user sets it then (bookings/booking-chats.ts ensureUser).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_users', (t) => {
    t.text('matrix_name');
  });
  // Every name stored so far was stored once Synapse had it.
  await knex('app_users').update({ matrix_name: knex.ref('name') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_users', (t) => {
    t.dropColumn('matrix_name');
  });
}
