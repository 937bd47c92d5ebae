// What a room event from Synapse must look like before the bridge reads it: in appservice
// transactions and in pages of /messages alike (both feed the same road).
import { z } from 'zod';

export const roomEventSchema = z.object({
  event_id: z.string().min(1),
  room_id: z.string().min(1),
  sender: z.string().min(1),
  type: z.string().min(1),
  origin_server_ts: z.number(),
  content: z.record(z.string(), z.unknown()),
  state_key: z.string().optional(),
  redacts: z.string().optional(),
  unsigned: z.record(z.string(), z.unknown()).optional(),
});

/** The parts of a Matrix room event the bridge reads, as the schema leaves them. */
export type RoomEvent = z.output<typeof roomEventSchema>;
