// How far back the read model is complete. Retention moves it forward when it drops old
// partitions; history older than it is read from Synapse.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('read_model_state', (t) => {
    t.boolean('singleton').primary().defaultTo(true);
    t.timestamp('horizon', { useTz: true });
    t.check('singleton');
  });
  await knex('read_model_state').insert({ singleton: true, horizon: null });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('read_model_state');
}
