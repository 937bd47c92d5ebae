// Turns a room event into a read-model row, or undefined when apps do not show that event.
// Every string taken into the row is made storable here: Matrix strings are never refused.
import type { Sender } from '../protocol/types.ts';
import type { MessageContent, NewMessageRow } from '../store/rows.ts';
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

/** Cheap first check, before looking up who sent it. */
export function mayShowInApps(event: RoomEvent): boolean {
  return event.type === 'm.room.message' && event.state_key === undefined;
}

export function eventToRow(event: RoomEvent, bookingId: string, sender: Sender): NewMessageRow | undefined {
  if (!mayShowInApps(event)) return undefined;
  const { msgtype } = event.content;
  if (typeof msgtype !== 'string' || typeof event.content.body !== 'string') return undefined;
  const body = storableText(event.content.body);
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
  if (TEXT_TYPES.has(msgtype)) return { ...base, kind: 'text', content: { text: body } };
  if (msgtype === 'm.image') {
    const image = imageOf(event.content);
    if (!image) return undefined;
    // With a `filename`, `body` is a caption (Matrix 1.10); without one it is just the file name.
    const caption = typeof event.content.filename === 'string' && event.content.body !== event.content.filename ? body : undefined;
    return { ...base, kind: 'image', content: caption === undefined ? { image } : { image, text: caption } };
  }
  return undefined;
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
