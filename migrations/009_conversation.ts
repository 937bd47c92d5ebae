// Conversations as people expect them (issue #15): edits and reactions of messages, and the log
// of changes to messages that `sync` reads so that an offline device ends with the same state as
// an online one. Message rows stay as they were written (history pages cache them); what changed
// since is read beside them from these tables.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Every edit is kept (moderators see the original and each edit); the newest is the current text.
  await knex.raw(`
    CREATE TABLE message_edits (
      edit_event_id   text        PRIMARY KEY,
      target_event_id text        NOT NULL,
      booking_id      text        NOT NULL,
      sender_id       text        NOT NULL,
      text            text        NOT NULL,
      seq             bigint      NOT NULL DEFAULT nextval('messages_seq'),
      created_at      timestamptz NOT NULL
    )`);
  await knex.raw('CREATE INDEX message_edits_target ON message_edits (target_event_id, seq)');
  await knex.raw('CREATE INDEX message_edits_sender ON message_edits (sender_id)');

  // A removed reaction stays as a row with removed_at set: its follow-up (and a late drainer)
  // must still know whose key on which message went away.
  await knex.raw(`
    CREATE TABLE message_reactions (
      reaction_event_id text        PRIMARY KEY,
      target_event_id   text        NOT NULL,
      booking_id        text        NOT NULL,
      user_id           text        NOT NULL,
      key               text        NOT NULL,
      created_at        timestamptz NOT NULL,
      removed_at        timestamptz
    )`);
  // A user has each key once per message.
  await knex.raw(
    'CREATE UNIQUE INDEX message_reactions_once ON message_reactions (target_event_id, user_id, key) WHERE removed_at IS NULL',
  );
  await knex.raw('CREATE INDEX message_reactions_user ON message_reactions (user_id)');

  // One row per change to a message that already existed (an edit, a reaction added or removed),
  // with a cursor from the messages' own sequence: `sync` after a cursor returns each changed
  // message once, as it is now.
  await knex.raw(`
    CREATE TABLE message_changes (
      seq             bigint      PRIMARY KEY DEFAULT nextval('messages_seq'),
      booking_id      text        NOT NULL,
      target_event_id text        NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw('CREATE INDEX message_changes_booking_seq ON message_changes (booking_id, seq)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_changes');
  await knex.schema.dropTable('message_reactions');
  await knex.schema.dropTable('message_edits');
}
