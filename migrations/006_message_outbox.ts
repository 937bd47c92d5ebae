// What must follow a stored message or deletion (the live emit, the pushes), recorded in the
// same transaction that stores it: a process that dies after the commit leaves the row behind,
// and any bridge process finishes the work (docs/architecture.md, "The outbox").
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('message_outbox', (t) => {
    // 'message' (emit, push) or 'deletion' (emit message:deleted) of that Matrix event id.
    t.text('kind').notNullable();
    t.text('event_id').notNullable();
    t.text('booking_id').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    // Until then the row belongs to the process that stored it (or to the drainer that claimed it).
    t.timestamp('not_before', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['kind', 'event_id']);
    t.index(['not_before']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_outbox');
}
