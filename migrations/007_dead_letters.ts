// Events the read model could not store even alone (the database refused their data): kept here
// so that the transaction that carried them is acknowledged and delivery goes on, and so that an
// operator can look at them and replay them (docs/operations.md, "Dead letters").
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dead_letters', (t) => {
    t.bigIncrements('id');
    t.text('event_id').notNullable().unique();
    t.text('room_id').notNullable();
    // The whole event as JSON text: JSON.stringify escapes U+0000 and unpaired surrogates,
    // which jsonb would refuse, as the read model did.
    t.text('event').notNullable();
    t.text('error').notNullable();
    // PostgreSQL's SQLSTATE, or null when the event could not be turned into a row at all.
    t.text('sqlstate');
    t.text('txn_id');
    t.integer('attempts').notNullable().defaultTo(1);
    t.timestamp('first_failed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_failed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set when a replay stored it; cleared if it fails again.
    t.timestamp('replayed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dead_letters');
}
