// Rooms made ahead of the bookings that will take them (bookings/room-pool.ts): a new booking's
// PUT claims one instead of waiting for Synapse to create it. A claimed room leaves this table in
// the transaction that writes its booking's row, so a room is never in the pool and a booking at once.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('room_pool', (t) => {
    t.text('room_id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('room_pool');
}
