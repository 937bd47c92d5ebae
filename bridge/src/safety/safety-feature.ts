// The safety feature built in one place: blocks and who sees whom, the text filter (kept in step
// with its file) and its screening of sends, reports and the moderation room they go to.
// createApp builds it once (the moderation room is made sure of before the bridge serves) and
// stops it as one part.
import type { BookingAccess } from '../bookings/access.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { MessageStates } from '../messages/message-states.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { Database } from '../store/database.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import { SafetyStore } from '../store/safety-store.ts';
import { Audience } from './audience.ts';
import { Blocks } from './blocks.ts';
import { FilterConfigWatcher } from './filter-config-watcher.ts';
import { ModerationRoom } from './moderation-room.ts';
import { Reports } from './reports.ts';
import { TextScreening } from './text-screening.ts';

export interface SafetyFeatureDeps {
  db: Database;
  bookings: BookingsStore;
  messages: MessagesStore;
  access: BookingAccess;
  /** Reported messages are shown as they now are, with every earlier version beside them. */
  states: MessageStates;
  conversation: Pick<ConversationStore, 'editsOf'>;
  homeserver: Homeserver;
  /** BLOCKS_MAX. */
  maxBlocks: number;
  /** SUPPORT_STAFF: invited to the moderation room. */
  supportStaff: string[];
  /** FILTER_CONFIG_FILE. */
  filterConfigFile: string;
  logger: Logger;
}

export async function createSafety(deps: SafetyFeatureDeps) {
  const { db, bookings, messages, access, states, conversation, homeserver, logger } = deps;
  const store = new SafetyStore(db);
  const audience = new Audience(store);
  const blocks = new Blocks(store, bookings, homeserver, logger, deps.maxBlocks);
  const moderation = new ModerationRoom(homeserver, store, deps.supportStaff, logger);
  await moderation.ensure();
  const filters = new FilterConfigWatcher(deps.filterConfigFile, logger.child({ component: 'filter' }));
  const reports = new Reports({ access, messages, conversation, safety: store, moderation, states, logger });
  const screening = new TextScreening(filters, store);
  return {
    store,
    audience,
    blocks,
    reports,
    screening,
    stop: () => filters.close(),
  };
}
