// Push notifications: users' devices, muted chats, and the durable queue of pushes to send.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('devices', (t) => {
    t.uuid('id').primary();
    t.text('user_id').notNullable();
    t.text('kind').notNullable();
    // The FCM registration token, or the Web Push subscription's endpoint.
    t.text('address').notNullable();
    t.jsonb('subscription');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'address']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('chat_mutes', (t) => {
    t.text('user_id').notNullable();
    t.text('booking_id').notNullable();
    t.timestamp('until', { useTz: true });
    t.primary(['user_id', 'booking_id']);
  });

  await knex.schema.createTable('push_jobs', (t) => {
    t.bigIncrements('id');
    t.uuid('device_id').notNullable().references('devices.id').onDelete('CASCADE');
    t.jsonb('message').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('not_before', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['not_before']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('push_jobs');
  await knex.schema.dropTable('chat_mutes');
  await knex.schema.dropTable('devices');
}
