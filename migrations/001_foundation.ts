// The bridge's own schema: who is who in Matrix, which room is which booking, and the read
// model of messages (partitioned by month; partitions are created ahead by the service).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('app_users', (t) => {
    t.text('user_id').primary();
    t.text('matrix_user_id').notNullable().unique();
    // A person can be a customer in one booking and an artist in another: roles live on bookings.
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('bookings', (t) => {
    t.text('booking_id').primary();
    t.text('room_id').notNullable().unique();
    t.text('customer_id').notNullable().references('app_users.user_id');
    t.text('artist_id').notNullable().references('app_users.user_id');
    t.text('title');
    t.text('status');
    t.timestamp('starts_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_id']);
    t.index(['artist_id']);
  });

  // Cursors are this sequence's values: one order across every chat, which `sync` resumes from.
  await knex.raw('CREATE SEQUENCE messages_seq');
  await knex.raw(`
    CREATE TABLE messages (
      seq         bigint      NOT NULL DEFAULT nextval('messages_seq'),
      event_id    text        NOT NULL,
      booking_id  text        NOT NULL,
      room_id     text        NOT NULL,
      sender_mxid text        NOT NULL,
      sender_id   text        NOT NULL,
      sender_role text        NOT NULL,
      sender_name text        NOT NULL,
      kind        text        NOT NULL,
      content     jsonb       NOT NULL,
      client_id   text,
      created_at  timestamptz NOT NULL,
      -- A replayed event carries the same origin_server_ts, so this key makes writes idempotent.
      PRIMARY KEY (event_id, created_at)
    ) PARTITION BY RANGE (created_at)`);
  await knex.raw('CREATE INDEX messages_booking_seq ON messages (booking_id, seq)');
  await knex.raw('CREATE INDEX messages_seq_idx ON messages (seq)');
  // Catches anything outside the monthly partitions, so a write never fails for want of one.
  await knex.raw('CREATE TABLE messages_default PARTITION OF messages DEFAULT');

  // What each sender's clientId became: a retried send returns the first message.
  await knex.schema.createTable('sent_messages', (t) => {
    t.text('sender_id').notNullable();
    t.text('client_id').notNullable();
    t.text('booking_id').notNullable();
    t.text('event_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['sender_id', 'client_id']);
  });

  await knex.schema.createTable('read_markers', (t) => {
    t.text('booking_id').notNullable().references('bookings.booking_id');
    t.text('user_id').notNullable();
    t.bigInteger('last_read_seq').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['booking_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('read_markers');
  await knex.schema.dropTable('sent_messages');
  await knex.raw('DROP TABLE messages');
  await knex.raw('DROP SEQUENCE messages_seq');
  await knex.schema.dropTable('bookings');
  await knex.schema.dropTable('app_users');
}
