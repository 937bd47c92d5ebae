// The safety layer: blocks, reports, deletions (tombstones for catch-up), the audit trail,
// and small bridge-wide settings such as the moderation room.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blocks', (t) => {
    t.text('blocker_id').notNullable();
    t.text('blocked_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['blocker_id', 'blocked_id']);
    t.index(['blocked_id']);
  });

  await knex.schema.createTable('reports', (t) => {
    t.bigIncrements('id');
    t.text('reporter_id').notNullable();
    t.text('booking_id').notNullable();
    t.text('event_id').notNullable();
    t.text('reason').notNullable();
    // The reported message and a few around it, as they were when reported.
    t.jsonb('context').notNullable();
    t.text('moderation_event_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['event_id']);
  });

  // A redacted message leaves the read model; its tombstone tells devices catching up to drop it.
  await knex.schema.createTable('message_deletions', (t) => {
    t.bigInteger('seq').notNullable().defaultTo(knex.raw("nextval('messages_seq')")).primary();
    t.text('booking_id').notNullable();
    t.text('event_id').notNullable().unique();
    t.text('redacted_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['booking_id', 'seq']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('booking_id');
    t.text('target');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['action', 'created_at']);
  });

  await knex.schema.createTable('bridge_settings', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['bridge_settings', 'audit_log', 'message_deletions', 'reports', 'blocks']) {
    await knex.schema.dropTable(table);
  }
}
