// Export and erasure of a user's data (issue #15, docs/operations.md "Export and erasure").
// `erasures` records each erased user: a booking that names one is refused, a repeated erasure is
// answered from it, and its Matrix account step (media, deactivation) is retried from it.
// `erasure_redactions` is the durable queue of the erased user's events still to redact in Synapse,
// worked off by every bridge process (SKIP LOCKED). The index finds a user's messages (export,
// erasure) without reading everyone's.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('erasures', (t) => {
    t.text('user_id').primary();
    t.text('matrix_user_id').notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // 'pending' until the media are deleted and the account deactivated ('done'), or 'skipped'
    // when no Synapse admin token was configured (a later erasure request tries again).
    t.text('account_state').notNullable().defaultTo('pending');
    t.integer('account_attempts').notNullable().defaultTo(0);
    t.timestamp('account_not_before', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('media_deleted').notNullable().defaultTo(0);
    t.index(['account_state', 'account_not_before']);
  });

  await knex.schema.createTable('erasure_redactions', (t) => {
    t.text('event_id').primary();
    t.text('room_id').notNullable();
    t.text('user_id').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('not_before', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['not_before']);
    t.index(['user_id']);
  });

  await knex.raw('CREATE INDEX messages_sender_seq ON messages (sender_id, seq)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX messages_sender_seq');
  await knex.schema.dropTable('erasure_redactions');
  await knex.schema.dropTable('erasures');
}
