// Membership follows the bookings row (docs/architecture.md, "Membership"): the row is written
// first and the room brought in line after. `matrix_version` counts changes of what the room
// must reflect (members, title); `matrix_synced_version` is the one the room was last brought in
// line with. A row where they differ was left half-way (a crash, Synapse refusing a step) and is
// finished by the next PUT of that booking or by the pass every process runs at start-up.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.integer('matrix_version').notNullable().defaultTo(0);
    t.integer('matrix_synced_version').notNullable().defaultTo(0);
  });
  // The start-up pass looks only at rows left half-way: normally none.
  await knex.raw('CREATE INDEX bookings_matrix_unsynced ON bookings (booking_id) WHERE matrix_synced_version <> matrix_version');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX bookings_matrix_unsynced');
  await knex.schema.alterTable('bookings', (t) => {
    t.dropColumn('matrix_version');
    t.dropColumn('matrix_synced_version');
  });
}
