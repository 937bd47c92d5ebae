// What one appservice transaction (or a reconciliation pass) stored, with who must hear of it:
// inbound-events.ts produces it, follow-ups.ts and the outbox drainer act on it.
import type { EditRow, MessageRow, ReactionRow } from '../store/rows.ts';

export interface StoredMessage {
  /** The stored row: each recipient gets it as they see it (their own image URLs). */
  row: MessageRow;
  /** Members to emit to, as the booking's row says at that moment: those who blocked the sender are left out. */
  recipients: string[];
}

export interface StoredDeletion {
  bookingId: string;
  messageId: string;
  recipients: string[];
}

export interface StoredEdit {
  edit: EditRow;
  recipients: string[];
}

/** A reaction added, or removed (`removed_at` set). */
export interface StoredReaction {
  reaction: ReactionRow;
  recipients: string[];
}

export interface StoredChanges {
  messages: StoredMessage[];
  deletions: StoredDeletion[];
  edits: StoredEdit[];
  reactions: StoredReaction[];
}
