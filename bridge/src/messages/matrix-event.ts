// The parts of a Matrix room event the bridge reads (validated where transactions come in).
export interface RoomEvent {
  event_id: string;
  room_id: string;
  sender: string;
  type: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  redacts?: string;
  unsigned?: Record<string, unknown>;
}

/** Custom content keys under the bridge's namespace. */
export const CONTENT_CLIENT_ID = 'com.bookingchat.client_id';
export const CONTENT_SYSTEM = 'com.bookingchat.system';
