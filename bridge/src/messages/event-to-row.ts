// Turns a room event into a read-model row, or undefined when apps do not show that event, and
// reads the relations of edits, reactions and replies. Every string taken from the event is made
// storable here, ids included: Matrix strings are never refused.
import type { Sender } from '../protocol/types.ts';
import type { MessageContent, MessageRow, NewMessageRow } from '../store/rows.ts';
import { CONTENT_CLIENT_ID, CONTENT_SYSTEM, type RoomEvent } from './matrix-event.ts';
import { storableJson, storableText } from './storable-strings.ts';

const TEXT_TYPES = new Set(['m.text', 'm.notice', 'm.emote']);

function systemOf(content: Record<string, unknown>): { type: string; data: Record<string, unknown> } | undefined {
  const system = content[CONTENT_SYSTEM];
  if (!system || typeof system !== 'object') return undefined;
  const { type, data } = system as { type?: unknown; data?: unknown };
  if (typeof type !== 'string') return undefined;
  return { type: storableText(type), data: data && typeof data === 'object' ? (storableJson(data) as Record<string, unknown>) : {} };
}

/** Cheap first check, before looking up who sent it: a message, and not an edit of one (a change, not a message of its own). */
export function mayShowInApps(event: RoomEvent): boolean {
  return event.type === 'm.room.message' && event.state_key === undefined && relatesTo(event.content)?.rel_type !== 'm.replace';
}

/** `original`: the read model's row of the message this one replies to, when there is one. */
export function eventToRow(
  event: RoomEvent,
  bookingId: string,
  sender: Sender,
  original?: Pick<MessageRow, 'event_id' | 'sender_id' | 'sender_role' | 'sender_name'>,
): NewMessageRow | undefined {
  if (!mayShowInApps(event)) return undefined;
  const { msgtype } = event.content;
  if (typeof msgtype !== 'string' || typeof event.content.body !== 'string') return undefined;
  const replyTo = original && {
    eventId: original.event_id,
    senderId: original.sender_id,
    senderRole: original.sender_role,
    senderName: original.sender_name,
  };
  const body = storableText(replyTargetOf(event) === undefined ? event.content.body : withoutReplyFallback(event.content.body));
  const clientId = event.content[CONTENT_CLIENT_ID];
  const base = {
    event_id: event.event_id,
    booking_id: bookingId,
    room_id: event.room_id,
    sender_mxid: event.sender,
    sender_id: sender.id,
    sender_role: sender.role,
    sender_name: storableText(sender.name),
    client_id: typeof clientId === 'string' ? storableText(clientId) : null,
    created_at: new Date(event.origin_server_ts),
  };
  const system = sender.role === 'system' ? systemOf(event.content) : undefined;
  if (system) return { ...base, kind: 'system', content: { text: body, system } };
  if (TEXT_TYPES.has(msgtype)) return { ...base, kind: 'text', content: replyTo ? { text: body, replyTo } : { text: body } };
  if (msgtype === 'm.image') {
    const image = imageOf(event.content);
    if (!image) return undefined;
    // With a `filename`, `body` is a caption (Matrix 1.10); without one it is just the file name.
    const caption = typeof event.content.filename === 'string' && event.content.body !== event.content.filename ? body : undefined;
    return { ...base, kind: 'image', content: caption === undefined ? { image } : { image, text: caption } };
  }
  return undefined;
}

/** The `m.relates_to` object of an event's content, if it has one. */
function relatesTo(content: Record<string, unknown>): Record<string, unknown> | undefined {
  const relation = content['m.relates_to'];
  return relation && typeof relation === 'object' && !Array.isArray(relation) ? (relation as Record<string, unknown>) : undefined;
}

/** The event id a message replies to (`m.in_reply_to`), if it is a reply. */
export function replyTargetOf(event: RoomEvent): string | undefined {
  const inReplyTo = relatesTo(event.content)?.['m.in_reply_to'];
  if (!inReplyTo || typeof inReplyTo !== 'object') return undefined;
  const { event_id: eventId } = inReplyTo as { event_id?: unknown };
  return typeof eventId === 'string' ? storableText(eventId) : undefined;
}

/**
 * Clients before Matrix 1.13 quote the original at the top of a reply's body ("> <@user> text",
 * then an empty line): apps show the preview instead, so the quote goes.
 */
function withoutReplyFallback(body: string): string {
  const lines = body.split('\n');
  let start = 0;
  while (start < lines.length && lines[start]!.startsWith('>')) start++;
  if (start === 0) return body;
  if (lines[start] === '') start++;
  return lines.slice(start).join('\n');
}

/** An edit's target and new text (`m.new_content`), when it is an edit of a text message. */
export function editOf(event: RoomEvent): { targetEventId: string; text: string } | undefined {
  const relation = relatesTo(event.content);
  const newContent = event.content['m.new_content'];
  if (event.type !== 'm.room.message' || event.state_key !== undefined || relation?.rel_type !== 'm.replace') return undefined;
  if (typeof relation.event_id !== 'string' || !newContent || typeof newContent !== 'object') return undefined;
  const { msgtype, body } = newContent as { msgtype?: unknown; body?: unknown };
  if (typeof msgtype !== 'string' || !TEXT_TYPES.has(msgtype) || typeof body !== 'string') return undefined;
  return { targetEventId: storableText(relation.event_id), text: storableText(body) };
}

/** Longest reaction key kept from Matrix (clients send emoji, and sometimes short text). */
const MAX_REACTION_KEY = 64;

/** A reaction's target and key (`m.annotation`). */
export function reactionOf(event: RoomEvent): { targetEventId: string; key: string } | undefined {
  const relation = relatesTo(event.content);
  if (event.type !== 'm.reaction' || event.state_key !== undefined || relation?.rel_type !== 'm.annotation') return undefined;
  if (typeof relation.event_id !== 'string' || typeof relation.key !== 'string') return undefined;
  const key = storableText(relation.key);
  return key.length > 0 && key.length <= MAX_REACTION_KEY ? { targetEventId: storableText(relation.event_id), key } : undefined;
}

function imageOf(content: Record<string, unknown>): MessageContent['image'] {
  if (typeof content.url !== 'string') return undefined;
  const info = (content.info && typeof content.info === 'object' ? content.info : {}) as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  return {
    mxc: storableText(content.url),
    thumbnailMxc: typeof info.thumbnail_url === 'string' ? storableText(info.thumbnail_url) : undefined,
    width: number(info.w),
    height: number(info.h),
    mimetype: typeof info.mimetype === 'string' ? storableText(info.mimetype) : 'application/octet-stream',
    size: number(info.size),
  };
}
