// Reconciliation with the homeserver: events Synapse has but the read model never stored (Synapse
// persisted them and crashed before sending the transaction; the read model restored from an
// older backup) are fetched back from Synapse and put on the one road, so apps get them live and
// by `sync`, once each. A pass over the recently active rooms runs at start-up, when the
// homeserver comes back and once Synapse's transactions flow again (matrix/matrix-edge.ts), in the
// background, one at a time; a single room is compared when a send into it waits for an event
// Synapse has not sent (see STALL_MS in stored-message-waiters.ts).
import { fromMatrixError } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { KnownEvents, ReconciliationStore } from '../store/reconciliation-store.ts';
import { editOf, eventToRow, reactionOf } from './event-to-row.ts';
import type { RoomEvent } from './matrix-event.ts';
import type { InboundEvents } from './inbound-events.ts';
import { redactedEventId } from './room-event-handlers.ts';
import { storableText } from './storable-strings.ts';
import { SUPPORT_SENDER } from './event-senders.ts';

const DAY_MS = 86_400_000;
const PAGE_SIZE = 100;
/** How far back one room is compared: its newest 1,000 messages, reactions and redactions. */
const MAX_PAGES = 10;
/** Rooms compared at once: Synapse answers /messages in tens of milliseconds, so a few suffice. */
const CONCURRENCY = 4;
/**
 * Stalled rooms compared at once. They come in bursts (every send waits while the process
 * receiving transactions is down) and at the worst moment for Synapse: two keep it a trickle.
 */
const STALLED_CONCURRENCY = 2;

export interface ReconciliationDeps {
  store: ReconciliationStore;
  homeserver: Pick<Homeserver, 'roomEventsBefore'>;
  inbound: Pick<InboundEvents, 'store' | 'deliver'>;
  /** Messages created before this are not kept by the read model (null: all are). */
  horizon: () => Promise<Date | null>;
  /** Bookings active (updated, or with a message) within this many days are compared. */
  days: number;
  /** At most this many of them, the most recently active first. */
  maxRooms: number;
  metrics: Metrics;
  logger: Logger;
}

interface PassTotals {
  rooms: number;
  messages: number;
  deletions: number;
  edits: number;
  reactions: number;
  failedRooms: number;
  firstError?: unknown;
  /** The homeserver stopped answering: the rooms left are not tried (the recovery trigger runs the pass again). */
  homeserverDown?: boolean;
}

/**
 * Whether apps would see this event at all. Who sent it changes what the row says, never whether
 * there is one, so any sender does for the question.
 */
function becomesMessage(event: RoomEvent): boolean {
  return eventToRow(event, '', SUPPORT_SENDER) !== undefined;
}

/** What a store brought, as the totals count it and as the metric labels it. */
const COUNTED = [
  ['messages', 'message'],
  ['deletions', 'deletion'],
  ['edits', 'edit'],
  ['reactions', 'reaction'],
] as const;

function newTotals(rooms: number): PassTotals {
  return { rooms, messages: 0, deletions: 0, edits: 0, reactions: 0, failedRooms: 0 };
}

/**
 * The ids `known` must be asked about for these events: theirs and those they name. Made storable:
 * a redaction naming a string PostgreSQL cannot hold must not fail the room's every comparison
 * (no stored id is such a string, so it is simply not known).
 */
function idsToLookUp(events: RoomEvent[]): string[] {
  return events.flatMap((event) => {
    const named = redactedEventId(event) ?? editOf(event)?.targetEventId ?? reactionOf(event)?.targetEventId;
    return (named ? [event.event_id, named] : [event.event_id]).map(storableText);
  });
}

/**
 * What of a page the read model lacks: messages it neither holds nor deleted; edits and
 * reactions of messages it holds or is about to (any other was refused when it came);
 * redactions of messages it still holds or of reactions still given. Nothing of an erased user.
 */
function missingOf(events: RoomEvent[], known: KnownEvents): RoomEvent[] {
  const ofErased = (event: RoomEvent) => known.erased.has(event.sender);
  const messages = events.filter(
    (event) => !ofErased(event) && !known.stored.has(event.event_id) && !known.deleted.has(event.event_id) && becomesMessage(event),
  );
  const missingMessages = new Set(messages);
  const held = new Set([...known.stored, ...messages.map((event) => event.event_id)]);
  return events.filter((event) => {
    if (ofErased(event)) return false;
    const target = redactedEventId(event);
    if (target) return known.stored.has(target) || known.givenReactions.has(target);
    const edit = editOf(event);
    if (edit) return held.has(edit.targetEventId) && !known.edits.has(event.event_id);
    const reaction = reactionOf(event);
    if (reaction) return held.has(reaction.targetEventId) && !known.reactions.has(event.event_id);
    return missingMessages.has(event);
  });
}

export class Reconciliation {
  private readonly deps: ReconciliationDeps;
  private current: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private stopping = false;
  /** Stalled rooms not yet being compared, in the order they were reported. */
  private readonly stalledRooms = new Set<string>();
  private readonly stalledWorkers = new Set<Promise<void>>();

  constructor(deps: ReconciliationDeps) {
    this.deps = deps;
  }

  /**
   * Starts a pass, or, while one runs, queues one more after it (the running pass may already
   * have compared the rooms the caller is worried about). Resolves when the pass that covers
   * this request has ended; never rejects.
   */
  request(reason: string): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (!this.current) return this.begin(reason);
    this.queued ??= this.current.then(() => this.begin(reason));
    return this.queued;
  }

  /**
   * Compares this room soon, outside the passes and their lock (storing is idempotent, and a
   * room is a page or two): a room already waiting for its turn is not queued twice; one being
   * compared is queued once more (that comparison may have read it before this event was there).
   */
  compareStalled(roomId: string): void {
    if (this.stopping) return;
    this.stalledRooms.add(roomId);
    if (this.stalledWorkers.size >= STALLED_CONCURRENCY) return;
    const worker = this.compareStalledRooms().finally(() => this.stalledWorkers.delete(worker));
    this.stalledWorkers.add(worker);
  }

  /** Lets the rooms being compared finish, starts no other, and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queued;
    await this.current;
    await Promise.all(this.stalledWorkers);
  }

  private async compareStalledRooms(): Promise<void> {
    const { metrics, logger } = this.deps;
    // Rooms reported while this runs join the set and are reached by this loop; another worker's
    // deletions are skipped by it.
    for (const roomId of this.stalledRooms) {
      this.stalledRooms.delete(roomId);
      if (this.stopping) return;
      const totals = newTotals(1);
      try {
        await this.compareRoom(roomId, (await this.deps.horizon())?.getTime() ?? 0, totals);
      } catch (err) {
        totals.firstError = err;
      }
      const { firstError: err, messages, deletions, edits, reactions } = totals;
      const repaired = messages + deletions + edits + reactions > 0;
      metrics.stalledRooms.inc({ outcome: err ? 'failed' : repaired ? 'repaired' : 'in_step' });
      if (err) logger.warn({ err, roomId }, 'stalled room not compared with the homeserver');
      // A transaction Synapse has not sent, or lost: worth an operator's look.
      else if (repaired)
        logger.warn({ roomId, messages, deletions, edits, reactions }, 'stalled room: stored what the homeserver had not sent');
    }
  }

  private begin(reason: string): Promise<void> {
    this.queued = undefined;
    if (this.stopping) return Promise.resolve();
    this.current = this.pass(reason).finally(() => (this.current = undefined));
    return this.current;
  }

  private async pass(reason: string): Promise<void> {
    const { store, metrics, logger } = this.deps;
    const started = Date.now();
    const totals = newTotals(0);
    try {
      const ran = await store.whileLocked(async () => {
        const rooms = await store.recentlyActive(new Date(Date.now() - this.deps.days * DAY_MS), this.deps.maxRooms);
        totals.rooms = rooms.length;
        const horizon = (await this.deps.horizon())?.getTime() ?? 0;
        await forEachAtMost(CONCURRENCY, rooms, (room) => this.compareRoom(room.room_id, horizon, totals));
      });
      metrics.reconciliationPasses.inc({ outcome: ran ? 'completed' : 'skipped' });
      const { firstError: err, ...counts } = totals;
      logger[totals.failedRooms > 0 ? 'warn' : 'info'](
        { reason, ...(ran ? counts : { skipped: 'another process is reconciling' }), err, durationMs: Date.now() - started },
        'reconciliation pass',
      );
    } catch (err) {
      metrics.reconciliationPasses.inc({ outcome: 'failed' });
      logger.error({ err, reason, durationMs: Date.now() - started }, 'reconciliation pass failed');
    }
  }

  private async compareRoom(roomId: string, horizon: number, totals: PassTotals): Promise<void> {
    if (this.stopping || totals.homeserverDown) return;
    try {
      const missing = await this.missingEvents(roomId, horizon);
      // Oldest first, as Synapse would have sent them; in pages, so that the read model's write
      // lock is never held long against live transactions.
      for (let end = missing.length; end > 0; end -= PAGE_SIZE) {
        const result = await this.deps.inbound.store(missing.slice(Math.max(0, end - PAGE_SIZE), end).reverse());
        this.deps.inbound.deliver(result);
        for (const [changes, kind] of COUNTED) {
          totals[changes] += result[changes].length;
          this.deps.metrics.reconciledEvents.inc({ kind }, result[changes].length);
        }
      }
    } catch (err) {
      totals.failedRooms += 1;
      totals.firstError ??= err;
      if (fromMatrixError(err).code === 'unavailable') totals.homeserverDown = true;
    }
  }

  /**
   * Pages back from the room's newest event until a page holds nothing missing (the read model
   * was in step there; going one page past the newest event it knows also catches a gap below
   * events that did arrive), the read model's horizon, the room's start, or MAX_PAGES. Newest first.
   */
  private async missingEvents(roomId: string, horizon: number): Promise<RoomEvent[]> {
    const missing: RoomEvent[] = [];
    let from: string | undefined;
    for (let page = 0; page < MAX_PAGES && !this.stopping; page++) {
      const { events, received, end } = await this.deps.homeserver.roomEventsBefore(roomId, from, PAGE_SIZE);
      const kept = events.filter((event) => event.origin_server_ts >= horizon);
      const known = await this.deps.store.known(idsToLookUp(kept), [...new Set(kept.map((event) => storableText(event.sender)))]);
      const found = missingOf(kept, known);
      missing.push(...found);
      // A short page from Synapse is the room's start; fewer kept than parsed is the horizon.
      if (found.length === 0 || received < PAGE_SIZE || kept.length < events.length || !end) break;
      from = end;
    }
    return missing;
  }
}

async function forEachAtMost<T>(limit: number, items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
