// The messages feature built in one place: the inbound pipeline (events written to the read model,
// then their follow-ups), the outbox drainer, reconciliation with Synapse's history (requested by the matrix edge), retention,
// history and catch-up, receipts and typing, the send pipeline with its text sends, and the
// actions on sent messages (edit, delete, react).
// createApp starts and stops it as one part. The view and the waiters for stored messages are
// built before it (the bookings feature and socket delivery use them too) and passed in.
import type { BookingAccess } from '../bookings/access.ts';
import type { BookingChats } from '../bookings/booking-chats.ts';
import type { Config } from '../config/config.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import { stopAll } from '../lifecycle.ts';
import type { FaultPoints } from '../observability/fault-points.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PushNotifier } from '../push/notifier.ts';
import type { createSafety } from '../safety/safety-feature.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { Database } from '../store/database.ts';
import { DeadLettersStore } from '../store/dead-letters-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { OutboxStore } from '../store/outbox-store.ts';
import { readModelHorizon } from '../store/partitions.ts';
import { ReadMarkersStore } from '../store/read-markers-store.ts';
import { ReconciliationStore } from '../store/reconciliation-store.ts';
import { SendsStore } from '../store/sends-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import { CatchUp } from './catch-up.ts';
import { EphemeralEvents } from './ephemeral.ts';
import { EventSenders } from './event-senders.ts';
import { FollowUps } from './follow-ups.ts';
import { MessageHistory } from './history.ts';
import { BookingsOfSends } from './bookings-of-sends.ts';
import { InboundEvents } from './inbound-events.ts';
import { MessageActions } from './message-actions.ts';
import type { MessageStates } from './message-states.ts';
import type { MessageView } from './message-view.ts';
import { OutboxDrainer } from './outbox-drainer.ts';
import { ReadModelWriter } from './read-model-writer.ts';
import { Receipts } from './receipts.ts';
import { Reconciliation } from './reconciliation.ts';
import type { ReadModelRetention } from './retention.ts';
import { SendPipeline } from './send-pipeline.ts';
import type { StoredMessageWaiters } from './stored-message-waiters.ts';
import { TextSends } from './text-sends.ts';
import { TypingIndicators } from './typing.ts';
import type { UserDelivery } from './user-delivery.ts';

export interface MessagesFeatureDeps {
  config: Pick<Config, 'reconciliation' | 'limits'>;
  db: Database;
  bookings: BookingsStore;
  users: UsersStore;
  messages: MessagesStore;
  outbox: OutboxStore;
  homeserver: Homeserver;
  view: MessageView;
  /** Renders rows as they now are (edits, reactions, reply previews). */
  states: MessageStates;
  conversation: ConversationStore;
  synapseAdmin: SynapseAdmin | undefined;
  waiters: StoredMessageWaiters;
  delivery: UserDelivery;
  access: BookingAccess;
  /** A new booking's room is ready once its members are in (booking-chats.ts). */
  rooms: Pick<BookingChats, 'ready'>;
  safety: Pick<Awaited<ReturnType<typeof createSafety>>, 'store' | 'audience' | 'blocks' | 'screening' | 'reports'>;
  pushes: PushNotifier;
  /** Run once before the homeserver is connected; started and stopped with the feature. */
  retention: ReadModelRetention;
  /** Embedded PGlite has one connection, which a held lock would take from the reconciliation pass itself. */
  lockReconciliationPasses: boolean;
  faults: FaultPoints;
  metrics: Metrics;
  logger: Logger;
}

export function createMessages(deps: MessagesFeatureDeps) {
  const { db, bookings, messages, outbox, homeserver, view, states, waiters, delivery, access, safety, metrics, logger } = deps;
  const { audience } = safety;
  const horizon = () => readModelHorizon(db);
  const senders = new EventSenders(homeserver.ids, deps.users);
  const followUps = new FollowUps({ delivery, waiters, view, states, messages, pushes: deps.pushes, outbox, faults: deps.faults, metrics });
  const writer = new ReadModelWriter({ messages, deadLetters: new DeadLettersStore(db), metrics, logger });
  const lent = new BookingsOfSends();
  const inbound = new InboundEvents({ bookings, lent, messages, writer, audience, senders, followUps, metrics, logger });
  const reconciliation = new Reconciliation({
    store: new ReconciliationStore(db, { lockPasses: deps.lockReconciliationPasses }),
    homeserver,
    inbound,
    horizon,
    days: deps.config.reconciliation.days,
    maxRooms: deps.config.reconciliation.maxRooms,
    metrics,
    logger,
  });
  waiters.onStalled((roomId) => reconciliation.compareStalled(roomId));
  const drainer = new OutboxDrainer({ outbox, bookings, messages, conversation: deps.conversation, audience, followUps, metrics, logger });
  const markers = new ReadMarkersStore(db);
  const receipts = new Receipts({ access, bookings, messages, markers, homeserver, delivery, audience, logger });
  const typing = new TypingIndicators(access, deps.rooms, bookings, homeserver, delivery, audience);
  const history = new MessageHistory({
    access,
    messages,
    homeserver,
    senders,
    states,
    horizon,
    blockedBy: (userId) => safety.store.blockedBy(userId),
  });
  const { blocks, screening, reports } = safety;
  const pipeline = new SendPipeline({
    homeserver,
    access,
    rooms: deps.rooms,
    sends: new SendsStore(db),
    waiters,
    lent,
    blocks,
    screening,
    reports,
  });
  const maxTextLength = deps.config.limits.messageMaxLength;
  return {
    inbound,
    ephemeral: new EphemeralEvents(receipts, typing, logger),
    reconciliation,
    history,
    catchUp: new CatchUp(messages, states),
    receipts,
    typing,
    pipeline,
    sending: new TextSends(pipeline, messages, maxTextLength),
    actions: new MessageActions({
      pipeline,
      access,
      homeserver,
      messages,
      conversation: deps.conversation,
      states,
      waiters,
      synapseAdmin: deps.synapseAdmin,
      maxTextLength,
      logger,
    }),
    start() {
      deps.retention.start();
      drainer.start();
    },
    stop: () =>
      stopAll([
        ['retention', () => deps.retention.stop()],
        ['reconciliation', () => reconciliation.stop()],
        ['outbox drainer', () => drainer.stop()],
      ]),
  };
}
