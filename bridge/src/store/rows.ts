// The row types the store reads and writes, in a module of their own so that whoever needs a row's
// shape (the row cache, the outbox, the features) imports no store class and no cycle forms.

export interface MessageContent {
  text?: string;
  image?: { mxc: string; thumbnailMxc?: string; width: number; height: number; mimetype: string; size: number };
  system?: { type: string; data: Record<string, unknown> };
  /** The message this one replies to, with its sender as it was then (the preview is read live). */
  replyTo?: { eventId: string; senderId: string; senderRole: string; senderName: string };
}

export interface NewMessageRow {
  event_id: string;
  booking_id: string;
  room_id: string;
  sender_mxid: string;
  sender_id: string;
  sender_role: string;
  sender_name: string;
  kind: 'text' | 'image' | 'system';
  content: MessageContent;
  client_id: string | null;
  created_at: Date;
}

export interface MessageRow extends NewMessageRow {
  /** bigint arrives from pg as a string, which is also the wire form of a cursor. */
  seq: string;
}

/** A redaction of a message of this booking: a redaction in one room never reaches another booking's message. */
export interface NewDeletion {
  event_id: string;
  booking_id: string;
  redacted_by: string;
}

export interface DeletionRow extends NewDeletion {
  seq: string;
  created_at: Date;
}

/** An edit of a text message (`m.replace`); stored only if the target is a text message of the same sender and booking. */
export interface NewEdit {
  edit_event_id: string;
  target_event_id: string;
  booking_id: string;
  /** The Matrix sender, matched against the target's: Matrix lets only the original sender edit. */
  sender_mxid: string;
  sender_id: string;
  text: string;
  created_at: Date;
}

/** A stored edit, as the follow-ups need it. */
export type EditRow = Pick<NewEdit, 'edit_event_id' | 'target_event_id' | 'booking_id' | 'sender_id'>;

/** A reaction (`m.annotation`); stored only if the target is a message of the same booking. */
export interface NewReaction {
  reaction_event_id: string;
  target_event_id: string;
  booking_id: string;
  user_id: string;
  key: string;
  created_at: Date;
}

export interface ReactionRow extends NewReaction {
  /** Set once the reaction was redacted (unreact): the row stays so its removal can be told. */
  removed_at: Date | null;
}

/** What a push notification carries, whichever service delivers it; stored as a push job's payload. */
export interface PushMessage {
  title: string;
  body: string;
  bookingId: string;
  messageId: string;
  /** The recipient's total unread count. */
  badge: number;
  /** One per chat: a newer notification with the same key replaces the older one. */
  collapseKey: string;
}
