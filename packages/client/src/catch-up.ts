// The delivery guarantee on the client's side: `sync` from the highest cursor this device has
// processed until `more` is false, with that cursor kept in storage, and every message handed
// to the app once whether it came live, by sync, or both; later versions of a message (edited,
// reacted to) go to the app as updates.
import type { ResultOf } from '../../../bridge/src/protocol/events.ts';
import type { Message } from '../../../bridge/src/protocol/types.ts';
import { SeenIds } from './seen-ids.ts';
import type { StoredValue } from './storage.ts';

export type SyncPage = ResultOf<'sync'>;
export type Deletion = SyncPage['deleted'][number];

export interface CatchUpOptions {
  cursor: StoredValue<string>;
  /** One `sync` page after `since`. */
  page(since: string | undefined): Promise<SyncPage>;
  /** The newest cursor among the user's chats now: where a device without a cursor starts. */
  newest(): Promise<string | undefined>;
  message(message: Message): void;
  /**
   * A message as it now is, that the app may hold an older copy of: one already handed to it came
   * again (in a sync page, or live once more), or one from before the cursor was edited or reacted to.
   */
  updated(message: Message): void;
  deleted(deletion: Deletion): void;
  /** How many message ids to remember for de-duplication. */
  seenLimit: number;
  /** How long after a live message the cursor is moved past it by a sync. */
  trailingSyncMs: number;
}

function isNewer(cursor: string, than: string | undefined): boolean {
  return than === undefined || BigInt(cursor) > BigInt(than);
}

export class CatchUp {
  private readonly options: CatchUpOptions;
  private readonly seen: SeenIds;
  private cursor: string | undefined;
  private readonly loaded: Promise<void>;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private trailing: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CatchUpOptions) {
    this.options = options;
    this.seen = new SeenIds(options.seenLimit);
    this.loaded = options.cursor.read().then((cursor) => void (this.cursor = cursor));
  }

  /**
   * Syncs until nothing more is there. A call while a sync runs waits for one that starts after
   * it (so nothing stored before the call is missed); calls that pile up share that one.
   */
  sync(): Promise<void> {
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.pages();
      });
    this.running = this.queued;
    return this.queued;
  }

  /** A message from anywhere (live, an acknowledgement, an upload): to the app unless it already went. */
  deliver(message: Message): void {
    if (this.seen.add(message.id)) this.options.message(message);
    else this.options.updated(message);
  }

  /**
   * A live message arrived. Live delivery is at most once and not in cursor order across
   * processes, so the cursor does not jump to it; a sync shortly after moves it on (and
   * recovers anything the socket missed), which keeps the next catch-up short.
   */
  live(message: Message): void {
    this.deliver(message);
    this.follow();
  }

  /**
   * A live change (edit, reaction, deletion) arrived: as with a live message, a sync shortly
   * after moves the cursor past it, and brings the changed message whole (`changed`) should
   * the live event have been missed or not been enough to rebuild it.
   */
  follow(): void {
    clearTimeout(this.trailing);
    this.trailing = setTimeout(() => void this.sync().catch(() => undefined), this.options.trailingSyncMs);
  }

  close(): Promise<void> {
    clearTimeout(this.trailing);
    return this.options.cursor.settled();
  }

  private async pages(): Promise<void> {
    await this.loaded;
    // A new device starts at the present: older messages are the app's to read with history().
    if (this.cursor === undefined) this.cursor = await this.options.newest();
    for (;;) {
      const page = await this.options.page(this.cursor);
      for (const message of page.messages) this.deliver(message);
      for (const message of page.changed) this.options.updated(message);
      for (const deletion of page.deleted) this.options.deleted(deletion);
      // Stored only after the app has had the page: a crash in between repeats it (and the app's
      // store de-duplicates by id), never skips it.
      if (isNewer(page.cursor, this.cursor)) {
        this.cursor = page.cursor;
        await this.options.cursor.write(page.cursor);
      }
      if (!page.more) return;
    }
  }
}
