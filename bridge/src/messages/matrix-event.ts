// The parts of a Matrix room event the bridge reads: the type comes from the schema that
// validates every event from Synapse (matrix/room-event-schema.ts), so the two cannot drift.
export type { RoomEvent } from '../matrix/room-event-schema.ts';

/** Custom content keys under the bridge's namespace. */
export const CONTENT_CLIENT_ID = 'com.bookingchat.client_id';
export const CONTENT_SYSTEM = 'com.bookingchat.system';
