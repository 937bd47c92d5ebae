// Read-model row → the wire Message.
import type { Message, SenderRole } from '../protocol/types.ts';
import type { MessageRow } from '../store/messages-store.ts';

export function rowToMessage(row: MessageRow): Message {
  const message: Message = {
    id: row.event_id,
    bookingId: row.booking_id,
    cursor: String(row.seq),
    sender: { id: row.sender_id, role: row.sender_role as SenderRole, name: row.sender_name },
    kind: row.kind,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (row.content.text !== undefined) message.text = row.content.text;
  if (row.content.system) message.system = row.content.system;
  if (row.client_id) message.clientId = row.client_id;
  return message;
}
